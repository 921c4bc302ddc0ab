package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.FrameFlood;
import io.switchboard.it.support.SseFleet;
import io.switchboard.testkit.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the floods of {@link DoorFloodIT} send: WebSocket frames ready for a {@link FrameFlood}, request bodies for a
 * {@link io.switchboard.it.support.PostFlood}, and the scripts of SSE streams that POST what the node must refuse or
 * forward. Every request carries an id, so that its answer can be told from the others.
 */
final class DoorFloodRequests {

    private static final String PAD = "p".repeat(1000);

    private DoorFloodRequests() {
    }

    /**
     * {@code count} client messages: mostly {@code echo}, one in ten to the sample's {@code slow} handler (asked to
     * sleep a minute), one in ten to an event no handler answers.
     */
    static List<byte[]> sends(int count) {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String event = i % 10 == 3 ? "slow" : i % 10 == 7 ? "no-such-handler" : "echo";
            JsonNode data = "slow".equals(event) ? Json.object().put("millis", 60_000) : Json.object().put("n", i);
            frames.add(FrameFlood.frame(Json.write(Json.object().put("op", "send").put("event", event)
                    .put("id", i).set("data", data))));
        }
        return frames;
    }

    /** {@code count} {@code echo}s of 1 KB each, as WebSocket frames. */
    static List<byte[]> echoFrames(int count) {
        return echoes(count).stream().map(FrameFlood::frame).collect(Collectors.toList());
    }

    /** {@code count} {@code echo}s of 1 KB each, as request bodies. */
    static List<String> echoes(int count) {
        List<String> echoes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            echoes.add(Json.write(Json.object().put("op", "send").put("event", "echo").put("id", i)
                    .set("data", Json.object().put("pad", PAD))));
        }
        return echoes;
    }

    /**
     * {@code count} requests of every kind an SSE client POSTs, in turn: a subscribe to one of four channels named
     * after {@code run}, a publish to {@code published}, an {@code echo}, the unsubscribe, a ping.
     */
    static List<String> ssePosts(String run, String published, int count) {
        List<String> plan = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String channel = "sse-flood." + run + "." + (i / 5) % 4;
            ObjectNode request = switch (i % 5) {
                case 0 -> Json.object().put("op", "subscribe").put("channel", channel);
                case 1 -> Json.object().put("op", "publish").put("channel", published).put("event", "flood")
                        .set("data", Json.object().put("n", i));
                case 2 -> Json.object().put("op", "send").put("event", "echo").set("data", Json.object().put("n", i));
                case 3 -> Json.object().put("op", "unsubscribe").put("channel", channel);
                default -> Json.object().put("op", "ping");
            };
            plan.add(Json.write(request.put("id", i)));
        }
        return plan;
    }

    /**
     * Once welcomed, a stream POSTs {@code count} pings on its connection: even ones to its own session with a wrong
     * secret, odd ones to a session of {@code nodeId} that the node does not hold.
     */
    static SseFleet.Script forgedPosts(String nodeId, int count) {
        return stream -> {
            for (int i = 0; i < count; i++) {
                String ping = "{\"op\":\"ping\",\"id\":" + i + "}";
                if (i % 2 == 0) {
                    stream.post(ping, stream.session(), "not-the-secret");
                } else {
                    stream.post(ping, nodeId + "." + "A".repeat(22), "any");
                }
            }
        };
    }

    /**
     * Once welcomed, a stream POSTs {@code count} pings, each on a connection of its own, naming sessions of a node
     * {@code ghost-<run>} that does not exist, all different.
     */
    static SseFleet.Script ghostPosts(String run, int count) {
        return stream -> {
            for (int i = 0; i < count; i++) {
                stream.postAlone("{\"op\":\"ping\",\"id\":" + i + "}",
                        "ghost-" + run + "." + String.format("%022d", stream.index() * count + i), "any");
            }
        };
    }

    /** {@code rounds} times, a subscribe to each of {@code channels}, then an unsubscribe from each. */
    static List<byte[]> presenceChurn(List<String> channels, int rounds) {
        List<byte[]> churn = new ArrayList<>();
        int id = 0;
        for (int round = 0; round < rounds; round++) {
            for (String op : List.of("subscribe", "unsubscribe")) {
                for (String name : channels) {
                    churn.add(FrameFlood.frame(Json.write(Json.object().put("op", op).put("channel", name).put("id", id++))));
                }
            }
        }
        return churn;
    }

    /** A subscribe to each of {@code channels}, its id the channel's name. */
    static List<byte[]> subscribes(List<String> channels) {
        return channels.stream().map(name -> FrameFlood.frame(Json.write(Json.object()
                .put("op", "subscribe").put("channel", name).put("id", name)))).collect(Collectors.toList());
    }
}
