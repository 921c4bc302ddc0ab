package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A node's figures for the admin page: rates over the interval, and a bounded list of its busiest channels. */
class AdminFeedTest {

    @Test
    void theBusiestChannelsAreTheTopTenByDeliveriesSinceTheLastFiguresWithTheirRates() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of(SwitchboardConfig.NODE_ID, "f1"))) {
            ScriptedContainer socket = new ScriptedContainer("s1");
            socket.readEverything();
            Connection connection = harness.node.open(socket.transport(), Identity.anonymous());
            List<String> channels = new ArrayList<>();
            for (int c = 0; c < 15; c++) {
                channels.add("ch" + c);
                connection.onText("{\"op\":\"subscribe\",\"channel\":\"ch" + c + "\",\"id\":" + c + "}");
            }
            Await.until("all subscribed", () -> NodeHarness.ofOp(socket.written(), "subscribed").size() == 15);
            AdminFeed feed = harness.node.adminFeed();
            feed.figures(1_000); // starts the interval

            for (int c = 0; c < 15; c++) {
                for (int i = 0; i <= c; i++) { // channel c gets c + 1 events
                    harness.node.api().publish("ch" + c, "e", i).toCompletableFuture().get(5, TimeUnit.SECONDS);
                }
            }
            Await.until("every event delivered", () -> NodeHarness.ofOp(socket.written(), "event").size() == 120);
            ObjectNode figures = feed.figures(3_000); // two seconds later

            JsonNode busiest = figures.path("busiest");
            assertThat(busiest).hasSize(AdminFeed.BUSIEST);
            assertThat(busiest.get(0).path("channel").asText()).isEqualTo("ch14");
            assertThat(busiest.get(0).path("rate").asDouble()).isEqualTo(7.5);
            assertThat(busiest.get(9).path("channel").asText()).isEqualTo("ch5");
            assertThat(figures.path("deliveryRate").asDouble()).isEqualTo(60.0);
            assertThat(figures.path("connections").asInt()).isEqualTo(1);
            assertThat(figures.path("subscriptions").asInt()).isEqualTo(15);
            assertThat(figures.path("node").asText()).isEqualTo("f1");

            assertThat(feed.figures(4_000).path("busiest")).as("nothing delivered since").isEmpty();
        }
    }
}
