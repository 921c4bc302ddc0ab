package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.protocol.ProtocolClient;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Marker events: an event with a fresh {@code marker} published through the HTTP API of one node and awaited
 * by clients. A channel's events reach a client in order, so once a client has the marker it has everything
 * published to the channel before it, and a test can check what it did not receive without waiting for nothing.
 */
public final class Markers {

    private Markers() {
    }

    /**
     * Publishes {@code event} with data {@code {"marker": <fresh>, "via": <node id>}} to {@code channel} through
     * {@code via} and waits until every one of {@code receivers} got it on that channel.
     */
    public static void publishAndAwait(ServerNode via, String channel, String event,
                                       Collection<? extends ProtocolClient> receivers, Duration timeout) {
        String marker = UUID.randomUUID().toString();
        via.api().publishAccepted(channel, event, Map.of("marker", marker, "via", via.id()));
        for (ProtocolClient client : receivers) {
            JsonNode frame = client.awaitFrame(
                    candidate -> marker.equals(candidate.path("data").path("marker").asText()), timeout);
            assertThat(frame.path("channel").asText()).as("channel of the marker received by %s", client)
                    .isEqualTo(channel);
        }
    }
}
