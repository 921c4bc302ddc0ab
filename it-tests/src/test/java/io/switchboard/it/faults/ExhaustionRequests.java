package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.FrameFlood;
import io.switchboard.it.support.PacedRequests;
import io.switchboard.it.support.SocketFleet;
import io.switchboard.testkit.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the attacks of {@link ResourceExhaustionIT} send: plans for {@link PacedRequests}, WebSocket frames for
 * connections that do not wait, and scripts of clients that never read; and which of the answers a fleet counted
 * are answers to a subscribe flood.
 */
final class ExhaustionRequests {

    private static final String FILLER = "x".repeat(60_000);

    private ExhaustionRequests() {
    }

    static ObjectNode request(String op, String channel) {
        return Json.object().put("op", op).put("channel", channel);
    }

    /** Once welcomed, a connection stops reading for good, then sends {@code frame} {@code times} times. */
    static SocketFleet.Script neverReading(byte[] frame, int times) {
        return connection -> {
            connection.stopReading();
            for (int i = 0; i < times; i++) {
                connection.send(frame);
            }
        };
    }

    /** {@code events} publishes of 60 KB events ({@code big}) to {@code channel}, dealt in turn to the publishers. */
    static PacedRequests.Plan bigPublishes(String channel, int publishers, int events) {
        return (connection, step) -> step * publishers + connection < events
                ? request("publish", channel).put("event", "big").set("data", Json.object().put("filler", FILLER))
                : null;
    }

    /** {@code names} fresh channel names, each subscribed then unsubscribed, dealt in turn to the connections. */
    static PacedRequests.Plan freshNameChurn(String run, int connections, int names) {
        return (connection, step) -> {
            int name = connection + connections * (step / 2);
            if (name >= names) {
                return null;
            }
            return request(step % 2 == 0 ? "subscribe" : "unsubscribe", "churn." + run + "." + name);
        };
    }

    /** {@code count} frames with ids: subscribe, subscribe again, unsubscribe, on five channels in turn. */
    static List<byte[]> subscribeFlood(String run, int count) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String op = i % 3 == 2 ? "unsubscribe" : "subscribe";
            frames.add(FrameFlood.frame(Json.write(request(op, "flood." + run + "." + (i / 3) % 5).put("id", i))));
        }
        return frames;
    }

    /** The answers to a subscribe flood among what {@code fleet} counted: subscribed, unsubscribed, every error. */
    static long subscribeAnswers(SocketFleet fleet) {
        return fleet.counts().entrySet().stream()
                .filter(entry -> Set.of("subscribed", "unsubscribed").contains(entry.getKey()) || entry.getKey().startsWith("error:"))
                .mapToLong(Map.Entry::getValue).sum();
    }

    /**
     * Connection {@code i}, identified as user {@code p<i>} of {@code users}, subscribes to its {@code own} channels
     * ({@code %s} standing for its user), then to the private channel and the {@code .inbox} of every other user.
     */
    static PacedRequests.Plan privateChannelAttempts(int users, List<String> own) {
        return (connection, step) -> {
            // Their own first: refused foreign subscribes must not count against the subscription cap anyway.
            if (step < own.size()) {
                return request("subscribe", String.format(own.get(step), "p" + connection));
            }
            int others = users - 1;
            int foreign = step - own.size();
            if (foreign >= 2 * others) {
                return null;
            }
            String other = "p" + (connection + 1 + foreign % others) % users;
            return request("subscribe", foreign < others ? "private-" + other : "private-" + other + ".inbox");
        };
    }
}
