package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM on one node of three: its clients are told the server is going away (1001), the clients of
 * the other nodes do not notice and keep receiving what the remaining nodes publish.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulShutdownIT {

    private static final int CLIENTS_PER_NODE = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private RedisServerProcess redis;
    private Cluster cluster;
    private final WsClients clients = new WsClients();

    @BeforeAll
    void startCluster() {
        redis = RedisServerProcess.start("GracefulShutdownIT-redis");
        cluster = Cluster.start("GracefulShutdownIT", 3, redis);
    }

    @AfterAll
    void stopCluster() {
        clients.close();
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void stoppedNodeClosesItsClientsWithGoingAwayAndTheOtherNodesKeepDelivering() {
        String channel = "shutdown." + Long.toHexString(System.nanoTime());
        List<WsClient> onNode1 = subscribers(cluster.node(1), channel);
        List<WsClient> onNode2 = subscribers(cluster.node(2), channel);
        List<WsClient> onNode3 = subscribers(cluster.node(3), channel);
        List<WsClient> survivors = new ArrayList<>(onNode1);
        survivors.addAll(onNode3);
        List<WsClient> everyone = new ArrayList<>(survivors);
        everyone.addAll(onNode2);
        publishAndAwait(cluster.node(2), channel, everyone);

        int exitCode = cluster.node(2).stop();

        assertThat(exitCode).as("exit code of node-2 after SIGTERM (log %s)", cluster.node(2).log()).isZero();
        assertThat(LogFile.troubleLines(cluster.node(2).log().text()))
                .as("stack trace or ERROR lines in %s", cluster.node(2).log()).isEmpty();
        for (WsClient client : onNode2) {
            assertThat(client.awaitClose(TIMEOUT).code()).as("close code seen by %s", client).isEqualTo(1001);
        }
        assertThat(survivors).allMatch(WsClient::isOpen, "still open");

        publishAndAwait(cluster.node(1), channel, survivors);
        publishAndAwait(cluster.node(3), channel, survivors);
        for (WsClient client : survivors) {
            List<Offset> offsets = client.events(channel).stream()
                    .map(e -> Offset.parse(e.path("offset").asText())).collect(Collectors.toList());
            assertThat(offsets).as("offsets received by %s", client).hasSize(3);
            assertThat(offsets).extracting(Offset::epoch).as("epochs").containsOnly(offsets.get(0).epoch());
            assertThat(offsets).extracting(Offset::seq).as("sequence numbers")
                    .containsExactly(offsets.get(0).seq(), offsets.get(0).seq() + 1, offsets.get(0).seq() + 2);
        }
    }

    private List<WsClient> subscribers(ServerNode node, String channel) {
        List<WsClient> subscribers = new ArrayList<>();
        for (int i = 0; i < CLIENTS_PER_NODE; i++) {
            WsClient client = clients.connect(node.ws());
            client.subscribe(channel);
            subscribers.add(client);
        }
        return subscribers;
    }

    private static void publishAndAwait(ServerNode via, String channel, List<WsClient> receivers) {
        String marker = UUID.randomUUID().toString();
        via.api().publishAccepted(channel, "tick", Map.of("marker", marker, "via", via.id()));
        for (WsClient client : receivers) {
            JsonNode event = client.awaitFrame(frame -> marker.equals(frame.path("data").path("marker").asText()), TIMEOUT);
            assertThat(event.path("channel").asText()).isEqualTo(channel);
        }
    }
}
