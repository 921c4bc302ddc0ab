package io.switchboard.internal.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;

/** Encodes every frame the server sends. Frames are built as JSON trees and written by Jackson. */
public final class Frames {

    private Frames() {
    }

    public static String welcome(String session, String node, long heartbeatMillis, String user) {
        return welcome(session, node, heartbeatMillis, user, null);
    }

    /**
     * @param secret what the client proves it holds the session with when its requests travel
     *               apart from the connection (SSE); null (and left out) on a WebSocket
     */
    public static String welcome(String session, String node, long heartbeatMillis, String user, String secret) {
        ObjectNode frame = frame("welcome");
        frame.put("session", session);
        frame.put("node", node);
        frame.put("heartbeat", heartbeatMillis);
        frame.put("user", user);
        if (secret != null) {
            frame.put("secret", secret);
        }
        return write(frame);
    }

    /** The end of a connection that has no close frame of its own (SSE): its code and reason, as a WebSocket's. */
    public static String close(int code, String reason) {
        ObjectNode frame = frame("close");
        frame.put("code", code);
        frame.put("reason", reason);
        return write(frame);
    }

    public static String subscribed(String channel, Offset offset, boolean recovered, JsonNode id) {
        ObjectNode frame = frame("subscribed");
        frame.put("channel", channel);
        frame.put("offset", offset.toString());
        frame.put("recovered", recovered);
        return write(withId(frame, id));
    }

    public static String unsubscribed(String channel, JsonNode id) {
        ObjectNode frame = frame("unsubscribed");
        frame.put("channel", channel);
        return write(withId(frame, id));
    }

    public static String published(String channel, String offset, JsonNode id) {
        ObjectNode frame = frame("published");
        frame.put("channel", channel);
        frame.put("offset", offset);
        return write(withId(frame, id));
    }

    /** The frame for one event; built once per node and shared by every local subscriber. */
    public static String event(String channel, String event, JsonNode data, Offset offset) {
        ObjectNode frame = frame("event");
        frame.put("channel", channel);
        frame.put("event", event);
        frame.set("data", data);
        frame.put("offset", offset.toString());
        return write(frame);
    }

    /**
     * An event addressed to one session by its id: on {@link ChannelNames#SESSION_CHANNEL}, without
     * an offset, because it is kept in no history (there is nothing to replay or to order it against).
     */
    public static String sessionEvent(String event, JsonNode data) {
        ObjectNode frame = frame("event");
        frame.put("channel", ChannelNames.SESSION_CHANNEL);
        frame.put("event", event);
        frame.set("data", data);
        return write(frame);
    }

    /**
     * The answer to a {@code send}: {@code data} is JSON text the handler's reply was encoded to
     * once (and measured), written into the frame as it is.
     */
    public static String reply(JsonNode id, String data) {
        ObjectNode frame = frame("reply");
        frame.set("id", id);
        frame.putRawValue("data", new RawValue(data));
        return write(frame);
    }

    public static String ping() {
        return write(frame("ping"));
    }

    public static String pong(JsonNode id) {
        return write(withId(frame("pong"), id));
    }

    public static String error(ErrorCode code, String message, JsonNode id) {
        ObjectNode frame = frame("error");
        frame.put("code", code.wireName());
        frame.put("message", message);
        return write(withId(frame, id));
    }

    private static ObjectNode frame(String op) {
        return Json.MAPPER.createObjectNode().put("op", op);
    }

    private static ObjectNode withId(ObjectNode frame, JsonNode id) {
        if (id != null) {
            frame.set("id", id);
        }
        return frame;
    }

    static String write(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
