package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.node.TextNode;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.PrometheusText;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's meters after known traffic, read as Prometheus text from the node's own registry (what
 * {@code /api/metrics} serves): every figure counts what happened, with bounded tags.
 */
class NodeMetricsTest {

    private static PrometheusText scrape(NodeHarness harness) {
        return PrometheusText.parse(harness.node.metrics().scrape());
    }

    private static Connection connect(NodeHarness harness, ScriptedContainer socket) {
        socket.readEverything();
        return harness.node.open(socket.transport(), Identity.anonymous());
    }

    @Test
    void publishesAreCountedByDoorWithTheirLatencyToTheBusAcknowledgement() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m1",
                SwitchboardConfig.CLIENT_PUBLISH, "chat.*"))) {
            harness.node.api().publish("news", "a", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
            harness.node.api().publish("news", "b", 2).toCompletableFuture().get(5, TimeUnit.SECONDS);
            harness.node.publisher().publish(Publisher.Door.API,
                    new Publisher.Draft(Topic.channel("news"), "c", TextNode.valueOf("x"))).toCompletableFuture().get(5, TimeUnit.SECONDS);
            ScriptedContainer socket = new ScriptedContainer("s1");
            Connection browser = connect(harness, socket);
            browser.onText("{\"op\":\"publish\",\"channel\":\"chat.lobby\",\"event\":\"said\",\"data\":\"hi\",\"id\":1}");
            Await.until("the browser's publish answered", () -> NodeHarness.has(socket.written(), "published", 1));

            PrometheusText text = scrape(harness);

            assertThat(text.sum("switchboard_publishes_total", "door", "java", "node", "m1")).isEqualTo(2);
            assertThat(text.sum("switchboard_publishes_total", "door", "api")).isEqualTo(1);
            assertThat(text.sum("switchboard_publishes_total", "door", "browser")).isEqualTo(1);
            assertThat(text.has("switchboard_publishes_total", "door", "standalone")).as("a node has no standalone door").isFalse();
            assertThat(text.sum("switchboard_publish_latency_seconds_count", "door", "java")).isEqualTo(2);
            assertThat(text.sum("switchboard_publish_latency_seconds_bucket", "door", "java", "le", "+Inf")).isEqualTo(2);
            assertThat(text.sum("switchboard_publish_failures_total")).isZero();
        }
    }

    @Test
    void everyDeliveryToASubscriberIsCountedAndEachEventsLagOnce() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m2"))) {
            ScriptedContainer first = new ScriptedContainer("s1");
            ScriptedContainer second = new ScriptedContainer("s2");
            for (Connection connection : List.of(connect(harness, first), connect(harness, second))) {
                connection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
            }
            Await.until("both subscribed", () -> NodeHarness.has(first.written(), "subscribed", 1)
                    && NodeHarness.has(second.written(), "subscribed", 1));

            for (int i = 0; i < 3; i++) {
                harness.node.api().publish("news", "tick", i).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            Await.until("three events on both", () -> NodeHarness.ofOp(first.written(), "event").size() == 3
                    && NodeHarness.ofOp(second.written(), "event").size() == 3);

            PrometheusText text = scrape(harness);
            assertThat(text.sum("switchboard_deliveries_total", "node", "m2")).isEqualTo(6);
            assertThat(text.sum("switchboard_delivery_lag_seconds_count")).isEqualTo(3);
            assertThat(text.sum("switchboard_connections", "transport", "websocket")).isEqualTo(2);
            assertThat(text.sum("switchboard_subscriptions", "transport", "websocket")).isEqualTo(2);
            assertThat(text.sum("switchboard_channels")).isEqualTo(1);
            assertThat(text.sum("switchboard_connections_opened_total", "transport", "websocket")).isEqualTo(2);
            assertThat(text.sum("switchboard_queue_bytes", "transport", "websocket")).isZero();
            assertThat(text.sum("switchboard_bus_up", "bus", "in-process")).isEqualTo(1);
        }
    }

    @Test
    void closesAreCountedByCodeAndSideAndASlowConsumerAlsoAsSuch() {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m3",
                SwitchboardConfig.SEND_QUEUE, "2"))) {
            ScriptedContainer leaving = new ScriptedContainer("s1");
            Connection left = connect(harness, leaving);
            harness.node.closed(left, 1000);
            ScriptedContainer odd = new ScriptedContainer("s2");
            harness.node.closed(connect(harness, odd), 3999); // a client may close with any code from 3000 to 4999

            ScriptedContainer slow = new ScriptedContainer("s3"); // never reads: sends stay pending
            Connection slowConnection = harness.node.open(slow.transport(), Identity.anonymous());
            slowConnection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
            Await.until("subscribed", () -> slowConnection.subscriptionCount() == 1 && liveOnBus(harness));
            for (int i = 0; i < 5; i++) {
                harness.node.api().publish("news", "tick", i);
            }
            Await.until("closed as a slow consumer", () -> slow.closedWith != null);
            harness.node.closed(slowConnection, 1006); // what the container reports does not matter: this node closed it

            PrometheusText text = scrape(harness);
            assertThat(text.sum("switchboard_closes_total", "code", "1000", "side", "client")).isEqualTo(1);
            assertThat(text.sum("switchboard_closes_total", "code", "other", "side", "client")).isEqualTo(1);
            assertThat(text.sum("switchboard_closes_total", "code", "1013", "side", "server")).isEqualTo(1);
            assertThat(text.sum("switchboard_closes_total")).isEqualTo(3);
            assertThat(text.sum("switchboard_slow_consumer_closes_total")).isEqualTo(1);
            assertThat(text.sum("switchboard_connections")).isZero();
            assertThat(harness.node.slowConsumers().recent()).singleElement()
                    .satisfies(close -> assertThat(close.session()).isEqualTo(slowConnection.session().id()));
        }
    }

    @Test
    void clientSendsAreCountedByOutcomeAndRefusedRequestsByErrorCode() {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m4"))) {
            harness.node.api().onMessage("echo", message -> CompletableFuture.completedFuture(message.data()));
            ScriptedContainer socket = new ScriptedContainer("s1");
            Connection connection = connect(harness, socket);

            connection.onText("{\"op\":\"send\",\"event\":\"echo\",\"data\":1,\"id\":1}");
            connection.onText("{\"op\":\"send\",\"event\":\"echo\",\"data\":2,\"id\":2}");
            connection.onText("{\"op\":\"send\",\"event\":\"nobody\",\"data\":3,\"id\":3}");
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"@user\",\"id\":4}");
            Await.until("four answers", () -> NodeHarness.has(socket.written(), "reply", 2)
                    && NodeHarness.has(socket.written(), "error", 3) && NodeHarness.has(socket.written(), "error", 4));

            PrometheusText text = scrape(harness);
            assertThat(text.sum("switchboard_messages_total", "outcome", "reply")).isEqualTo(2);
            assertThat(text.sum("switchboard_messages_total", "outcome", "not_found")).isEqualTo(1);
            assertThat(text.sum("switchboard_requests_refused_total", "code", "not_found")).isEqualTo(1);
            assertThat(text.sum("switchboard_requests_refused_total", "code", "forbidden")).isEqualTo(1);
        }
    }

    @Test
    void aReplayIsCountedWithTheEventsItSentAndASubscribeWithoutSinceIsNoReplay() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m5"))) {
            String since = harness.node.api().publish("hist", "e", 0).toCompletableFuture().get(5, TimeUnit.SECONDS);
            for (int i = 1; i <= 4; i++) {
                harness.node.api().publish("hist", "e", i).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            ScriptedContainer socket = new ScriptedContainer("s1");
            Connection connection = connect(harness, socket);
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"hist\",\"since\":\"" + since + "\",\"id\":1}");
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"other\",\"id\":2}");
            Await.until("both subscribed", () -> NodeHarness.has(socket.written(), "subscribed", 1)
                    && NodeHarness.has(socket.written(), "subscribed", 2));

            PrometheusText text = scrape(harness);
            assertThat(text.sum("switchboard_replays_total", "result", "recovered")).isEqualTo(1);
            assertThat(text.sum("switchboard_replays_total")).isEqualTo(1);
            assertThat(text.sum("switchboard_replay_events_sum")).isEqualTo(4);
            assertThat(text.sum("switchboard_replay_bytes_sum")).isGreaterThan(4 * 40);
        }
    }

    @Test
    void theJavaApiBindsTheMetersToTheApplicationsRegistryUntilTheRegistrationCloses() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "m6"))) {
            io.micrometer.core.instrument.simple.SimpleMeterRegistry application =
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
            harness.node.api().publish("news", "before", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
            var binding = harness.node.api().bindMetrics(application);

            assertThat(application.get("switchboard.publishes").tag("door", "java").tag("node", "m6")
                    .functionCounter().count()).as("counted before the binding too").isEqualTo(1);

            binding.close();
            assertThat(application.getMeters()).isEmpty();
        }
    }

    private static boolean liveOnBus(NodeHarness harness) {
        return PrometheusText.parse(harness.node.metrics().scrape()).sum("switchboard_bus_subscriptions") == 1;
    }
}
