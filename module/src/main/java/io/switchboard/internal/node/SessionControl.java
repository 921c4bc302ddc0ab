package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.internal.cluster.ClusterCalls;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.session.Connection;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * What this node does to its own sessions when a node (this one included) asks: the node side of
 * server-side control (SPEC v1.1). Each operation is a cluster call ({@link #registerWith});
 * {@link ClusterControl} is the asking side, which sends user-wide operations to every node and
 * an operation on one session to the node its id names.
 *
 * <p>Wire (JSON, between nodes of one cluster): arguments {@code {"user","channel","since"?}},
 * {@code {"user","reason"}}, {@code {"user"}} or {@code {"session","event","data"}}; answers
 * {@code {"sessions": n, "refused": [{"session","code","message"}]}} (how many of the user's
 * sessions here it was done to, and those that refused), {@code {"sessions": [...]}} for a list,
 * or the error {@code not_found} for a session this node does not hold.
 *
 * <p><b>Threads.</b> Handlers run on the node's cluster thread ({@link ClusterCalls}); what they
 * do to a connection is what its own thread may do at the same time, which {@link Connection}
 * allows (its subscribe decisions hold a lock; sends and closes are thread-safe and never block).
 */
final class SessionControl {
    static final String SUBSCRIBE = "control.subscribe";
    static final String UNSUBSCRIBE = "control.unsubscribe";
    static final String DISCONNECT = "control.disconnect";
    static final String SESSIONS = "control.sessions";
    static final String SESSION_EVENT = "control.session-event";
    /** The transport of every session this node holds today (an SSE session would say {@code sse}). */
    static final String TRANSPORT = "websocket";
    /** A WebSocket close frame carries at most 123 bytes of reason. */
    private static final int MAX_REASON_BYTES = 123;

    private final String nodeId;
    private final Connections connections;

    SessionControl(String nodeId, Connections connections) {
        this.nodeId = nodeId;
        this.connections = connections;
    }

    /** Answers the control calls of every node from now on. */
    void registerWith(ClusterCalls calls) {
        calls.on(SUBSCRIBE, answering(this::subscribe));
        calls.on(UNSUBSCRIBE, answering(this::unsubscribe));
        calls.on(DISCONNECT, answering(this::disconnect));
        calls.on(SESSIONS, answering(this::sessions));
        calls.on(SESSION_EVENT, answering(this::sessionEvent));
    }

    private static ClusterCalls.Handler answering(Function<JsonNode, JsonNode> operation) {
        return args -> CompletableFuture.completedFuture(operation.apply(args));
    }

    /**
     * Subscribes every session of the user here, through the same path as a client's
     * {@code subscribe}; a session that refuses (its limits) is listed, the others go on.
     */
    JsonNode subscribe(JsonNode args) {
        String user = user(args);
        String channel = channel(args);
        Optional<Offset> since = since(args);
        int subscribed = 0;
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode refused = Json.MAPPER.createArrayNode();
        for (Connection connection : openSessionsOf(user)) {
            try {
                connection.subscribeByServer(channel, since);
                subscribed++;
            } catch (Refusal refusal) {
                refused.addObject().put("session", connection.session().id())
                        .put("code", refusal.code().wireName()).put("message", refusal.getMessage());
            }
        }
        answer.put("sessions", subscribed);
        answer.set("refused", refused);
        return answer;
    }

    /** Unsubscribes every session of the user here; each gets {@code unsubscribed}. */
    JsonNode unsubscribe(JsonNode args) {
        String user = user(args);
        String channel = channel(args);
        List<Connection> sessions = openSessionsOf(user);
        sessions.forEach(connection -> connection.unsubscribeByServer(channel));
        return counted(sessions.size());
    }

    /** Closes every session of the user here with 4403 and the reason. */
    JsonNode disconnect(JsonNode args) {
        String user = user(args);
        String reason = clip(args.path("reason").isTextual() ? args.get("reason").textValue() : "");
        List<Connection> sessions = openSessionsOf(user);
        sessions.forEach(connection -> connection.session().close(CloseCodes.DISCONNECTED, reason));
        return counted(sessions.size());
    }

    /** The user's sessions here: id, node, transport, channels, connected since (ISO-8601). */
    JsonNode sessions(JsonNode args) {
        String user = user(args);
        ObjectNode answer = Json.MAPPER.createObjectNode();
        ArrayNode list = answer.putArray("sessions");
        for (Connection connection : openSessionsOf(user)) {
            ObjectNode session = list.addObject()
                    .put("session", connection.session().id())
                    .put("node", nodeId)
                    .put("transport", TRANSPORT);
            ArrayNode channels = session.putArray("channels");
            connection.channels().forEach(channels::add);
            session.put("since", connection.connectedAt().toString());
        }
        return answer;
    }

    /** Sends an {@code @session} event to one session here; {@code not_found} if this node does not hold it. */
    JsonNode sessionEvent(JsonNode args) {
        String id = text(args, "session");
        String event = text(args, "event");
        if (!ChannelNames.isValidEvent(event)) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid event name " + ChannelNames.quote(event));
        }
        Connection connection = connections.withId(id).filter(open -> open.session().isOpen())
                .orElseThrow(() -> new Refusal(ErrorCode.NOT_FOUND, "node " + nodeId + " holds no session " + id));
        connection.session().send(Frames.sessionEvent(event, args.path("data").isMissingNode()
                ? Json.MAPPER.nullNode() : args.get("data")));
        return Json.MAPPER.createObjectNode().put("session", id);
    }

    /**
     * The user's sessions here that are open: one closing (disconnected a moment ago) stays in the
     * index until the container reports it closed, and is no longer the user's to act on or list.
     */
    private List<Connection> openSessionsOf(String user) {
        return connections.ofUser(user).stream().filter(connection -> connection.session().isOpen()).toList();
    }

    private static ObjectNode counted(int sessions) {
        return Json.MAPPER.createObjectNode().put("sessions", sessions);
    }

    private static String user(JsonNode args) {
        return Publisher.user(text(args, "user")).name();
    }

    private static String channel(JsonNode args) {
        return Publisher.channel(text(args, "channel")).name();
    }

    private static Optional<Offset> since(JsonNode args) {
        if (!args.path("since").isTextual()) {
            return Optional.empty();
        }
        String since = args.get("since").textValue();
        return Optional.of(Offset.parse(since).orElseThrow(() -> new Refusal(ErrorCode.BAD_REQUEST,
                "'since' must be an offset like 'abc123-42', was " + ChannelNames.quote(since))));
    }

    private static String text(JsonNode args, String field) {
        JsonNode value = args == null ? null : args.get(field);
        if (value == null || !value.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "a control call needs '" + field + "'");
        }
        return value.textValue();
    }

    /** The reason cut to what a close frame carries, on a character boundary. */
    static String clip(String reason) {
        if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
            return reason;
        }
        StringBuilder clipped = new StringBuilder();
        int bytes = 0;
        for (int i = 0; i < reason.length(); ) {
            int codePoint = reason.codePointAt(i);
            int length = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + length > MAX_REASON_BYTES) {
                break;
            }
            clipped.appendCodePoint(codePoint);
            bytes += length;
            i += Character.charCount(codePoint);
        }
        return clipped.toString();
    }
}
