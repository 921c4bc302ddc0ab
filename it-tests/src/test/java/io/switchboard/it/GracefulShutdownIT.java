package io.switchboard.it;

import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Markers;
import io.switchboard.it.support.Offset;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM on one node of three: its clients are told the server is going away (1001), the clients of
 * the other nodes do not notice and keep receiving what the remaining nodes publish.
 */
class GracefulShutdownIT {

    private static final int CLIENTS_PER_NODE = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(3);

    @Test
    void stoppedNodeClosesItsClientsWithGoingAwayAndTheOtherNodesKeepDelivering() {
        String channel = "shutdown." + Long.toHexString(System.nanoTime());
        List<WsClient> onNode1 = subscribers(1, channel);
        List<WsClient> onNode2 = subscribers(2, channel);
        List<WsClient> onNode3 = subscribers(3, channel);
        List<WsClient> survivors = new ArrayList<>(onNode1);
        survivors.addAll(onNode3);
        List<WsClient> everyone = new ArrayList<>(survivors);
        everyone.addAll(onNode2);
        Markers.publishAndAwait(cluster.node(2), channel, "tick", everyone, TIMEOUT);

        int exitCode = cluster.node(2).stop();

        assertThat(exitCode).as("exit code of node-2 after SIGTERM (log %s)", cluster.node(2).log()).isZero();
        assertThat(LogFile.troubleLines(cluster.node(2).log().text()))
                .as("stack trace or ERROR lines in %s", cluster.node(2).log()).isEmpty();
        for (WsClient client : onNode2) {
            assertThat(client.awaitClose(TIMEOUT).code()).as("close code seen by %s", client).isEqualTo(1001);
        }
        assertThat(survivors).allMatch(WsClient::isOpen, "still open");

        Markers.publishAndAwait(cluster.node(1), channel, "tick", survivors, TIMEOUT);
        Markers.publishAndAwait(cluster.node(3), channel, "tick", survivors, TIMEOUT);
        for (WsClient client : survivors) {
            List<Offset> offsets = client.events(channel).stream()
                    .map(e -> Offset.parse(e.path("offset").asText())).collect(Collectors.toList());
            assertThat(offsets).as("offsets received by %s", client).hasSize(3);
            assertThat(offsets).extracting(Offset::epoch).as("epochs").containsOnly(offsets.get(0).epoch());
            assertThat(offsets).extracting(Offset::seq).as("sequence numbers")
                    .containsExactly(offsets.get(0).seq(), offsets.get(0).seq() + 1, offsets.get(0).seq() + 2);
        }
    }

    private static List<WsClient> subscribers(int node, String channel) {
        List<WsClient> subscribers = new ArrayList<>();
        for (int i = 0; i < CLIENTS_PER_NODE; i++) {
            subscribers.add(cluster.subscriber(node, channel));
        }
        return subscribers;
    }
}
