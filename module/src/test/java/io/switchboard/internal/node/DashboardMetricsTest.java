package io.switchboard.internal.node;

import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.PrometheusText;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard in the repository ({@code docs/grafana/switchboard.json}) queries only metrics a node
 * really serves: every {@code switchboard_*} name in its PromQL is a sample of a node's scrape after traffic
 * that touches every meter.
 */
class DashboardMetricsTest {
    private static final Path DASHBOARD = Path.of("../docs/grafana/switchboard.json");

    @Test
    void everyMetricTheDashboardQueriesIsOneANodeServes() throws Exception {
        Set<String> queried = new TreeSet<>();
        Matcher names = Pattern.compile("switchboard_[a-z_]+").matcher(Files.readString(DASHBOARD));
        while (names.find()) {
            queried.add(names.group());
        }
        assertThat(queried).hasSizeGreaterThan(15);

        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "d1"))) {
            harness.node.api().onMessage("echo", message -> CompletableFuture.completedFuture(message.data()));
            String since = harness.node.api().publish("news", "e", 0).toCompletableFuture().get(5, TimeUnit.SECONDS);
            harness.node.api().publish("news", "e", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
            ScriptedContainer socket = new ScriptedContainer("s1");
            socket.readEverything();
            Connection connection = harness.node.open(socket.transport(), Identity.anonymous());
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"" + since + "\",\"id\":1}");
            connection.onText("{\"op\":\"send\",\"event\":\"echo\",\"data\":1,\"id\":2}");
            Await.until("replayed and answered", () -> NodeHarness.has(socket.written(), "subscribed", 1)
                    && NodeHarness.has(socket.written(), "reply", 2));
            harness.node.closed(connection, 1000);

            PrometheusText text = PrometheusText.parse(harness.node.metrics().scrape());
            assertThat(queried).allSatisfy(name -> assertThat(text.has(name)).as("%s served by a node", name).isTrue());
        }
    }
}
