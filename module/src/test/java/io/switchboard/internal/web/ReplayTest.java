package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.Switchboard;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A replay much longer than the send queue goes out page by page instead of closing the client. */
class ReplayTest {

    @Test
    void replayLongerThanTheSendQueueArrivesWholeAndInOrder() throws Exception {
        try (EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.send-queue", "8",
                "switchboard.history-size", "500"))) {
            Switchboard switchboard = Switchboard.from(server.servletContext());
            String first = null;
            for (int i = 1; i <= 300; i++) {
                String offset = switchboard.publish("log", "line", Map.of("i", i)).toCompletableFuture().get(5, TimeUnit.SECONDS);
                if (first == null) {
                    first = offset;
                }
            }
            String since = first.substring(0, first.lastIndexOf('-')) + "-0";
            try (WsClient client = server.ws().origin(null).connect()) {
                JsonNode subscribed = client.subscribe("log", since);
                assertThat(subscribed.path("recovered").asBoolean()).isTrue();
                List<Integer> replayed = client.frames().stream().filter(WsClient.withOp("event"))
                        .map(frame -> frame.path("data").path("i").asInt()).toList();
                assertThat(replayed).hasSize(300);
                for (int i = 0; i < 300; i++) {
                    assertThat(replayed.get(i)).isEqualTo(i + 1);
                }
                assertThat(client.isOpen()).isTrue();
            }
        }
    }
}
