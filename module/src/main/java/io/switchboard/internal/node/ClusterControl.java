package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.SessionInfo;
import io.switchboard.internal.cluster.ClusterCalls;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.session.SessionIds;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Server-side control, cluster-wide (SPEC v1.1): what the Java API and the HTTP API ask of a
 * user's sessions or of one session, wherever they are. A user-wide operation goes to every live
 * node ({@link ClusterCalls#callAll}), each acting on its own sessions ({@link SessionControl});
 * an operation on one session goes to the node its id names ({@link SessionIds#nodeOf}).
 *
 * <p><b>Outcomes.</b> What the caller passed is checked at once: a bad user id, channel name,
 * offset, event name or data over the limit throws a {@link Refusal} and nothing is asked. A stage
 * then completes with what the nodes that answered within {@link ClusterCalls#ANSWER_WAIT} did
 * (a node that does not answer is taken as gone, with its sessions); it fails with a
 * {@link Refusal} {@code unavailable} when the bus could not carry the call, and, for one session,
 * {@code not_found} when no node holds it. An unknown user is no error: none of its sessions are
 * anywhere, and the outcome counts none.
 *
 * <p>Stages complete on a bus thread (or the node's timer): dependent actions must not block.
 */
public final class ClusterControl {
    private static final String DEFAULT_REASON = "disconnected by the application";

    /** A session (or, with no session, a whole node) that did not do what was asked, and why. */
    public record Refused(String node, String session, String code, String message) {
    }

    /**
     * What a user-wide operation did.
     *
     * @param sessions how many of the user's sessions it was done to, on every node that answered
     * @param refused  the sessions that refused (e.g. at their limit of subscriptions) and the
     *                 nodes that answered with an error
     */
    public record Outcome(String user, int sessions, List<Refused> refused) {
    }

    private final ClusterCalls calls;
    private final int maxDataBytes;

    ClusterControl(ClusterCalls calls, int maxDataBytes) {
        this.calls = calls;
        this.maxDataBytes = maxDataBytes;
    }

    /** Subscribes every session of {@code user} to {@code channel}, replaying after {@code since} (null: none). */
    public CompletionStage<Outcome> subscribe(String user, String channel, String since) {
        ObjectNode args = userArgs(user).put("channel", Publisher.channel(channel).name());
        if (since != null) {
            if (Offset.parse(since).isEmpty()) {
                throw new Refusal(ErrorCode.BAD_REQUEST, "'since' must be an offset like 'abc123-42', was "
                        + ChannelNames.quote(since));
            }
            args.put("since", since);
        }
        return userWide(SessionControl.SUBSCRIBE, args);
    }

    /** Unsubscribes every session of {@code user} from {@code channel}. */
    public CompletionStage<Outcome> unsubscribe(String user, String channel) {
        return userWide(SessionControl.UNSUBSCRIBE, userArgs(user).put("channel", Publisher.channel(channel).name()));
    }

    /** Closes every session of {@code user} with 4403; {@code reason} null or blank for the default one. */
    public CompletionStage<Outcome> disconnect(String user, String reason) {
        String said = reason == null || reason.isBlank() ? DEFAULT_REASON : SessionControl.clip(reason);
        return userWide(SessionControl.DISCONNECT, userArgs(user).put("reason", said));
    }

    /** The sessions of {@code user} on every node that answered, oldest first. */
    public CompletionStage<List<SessionInfo>> sessions(String user) {
        return calls.callAll(SessionControl.SESSIONS, userArgs(user)).thenApply(answers -> {
            List<SessionInfo> sessions = new ArrayList<>();
            answers.values().stream().filter(ClusterCalls.Answer::ok)
                    .forEach(answer -> answer.result().path("sessions").forEach(item -> sessions.add(info(item))));
            sessions.sort(Comparator.comparing(SessionInfo::since).thenComparing(SessionInfo::session));
            return List.copyOf(sessions);
        });
    }

    /**
     * Sends an {@code @session} event to one session. Fails with {@link Refusal} {@code not_found}
     * when no node holds it (an id that names no node, a node that does not answer or does not
     * hold it), {@code unavailable} when the bus could not carry it.
     */
    public CompletionStage<Void> publishToSession(String session, String event, JsonNode data) {
        if (!ChannelNames.isValidEvent(event)) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid event name " + ChannelNames.quote(event)
                    + ": 1 to 128 printable characters");
        }
        JsonNode payload = data == null ? NullNode.instance : data;
        if (payload.toString().getBytes(StandardCharsets.UTF_8).length > maxDataBytes) {
            throw new Refusal(ErrorCode.TOO_LARGE, "event data over " + maxDataBytes + " bytes");
        }
        String node = SessionIds.nodeOf(session).orElse(null);
        if (node == null) {
            return CompletableFuture.failedFuture(new Refusal(ErrorCode.NOT_FOUND,
                    "no session " + ChannelNames.quote(session) + ": not a session id"));
        }
        ObjectNode args = Json.MAPPER.createObjectNode().put("session", session).put("event", event);
        args.set("data", payload);
        return calls.call(node, SessionControl.SESSION_EVENT, args).thenApply(answer -> {
            if (answer.ok()) {
                return null;
            }
            throw answer.error() == ErrorCode.NOT_FOUND
                    ? new Refusal(ErrorCode.NOT_FOUND, "no session " + ChannelNames.quote(session) + " on node " + node)
                    : new Refusal(ErrorCode.UNAVAILABLE, "node " + node + " could not deliver: " + answer.message());
        });
    }

    private CompletionStage<Outcome> userWide(String op, ObjectNode args) {
        String user = args.get("user").textValue();
        return calls.callAll(op, args).thenApply(answers -> outcome(user, answers));
    }

    private static Outcome outcome(String user, Map<String, ClusterCalls.Answer> answers) {
        int sessions = 0;
        List<Refused> refused = new ArrayList<>();
        for (ClusterCalls.Answer answer : answers.values()) {
            if (!answer.ok()) {
                refused.add(new Refused(answer.node(), null, answer.error().wireName(), answer.message()));
                continue;
            }
            sessions += answer.result().path("sessions").asInt();
            for (JsonNode item : answer.result().path("refused")) {
                refused.add(new Refused(answer.node(), item.path("session").asText(null),
                        item.path("code").asText(), item.path("message").asText()));
            }
        }
        refused.sort(Comparator.comparing(Refused::node).thenComparing(r -> String.valueOf(r.session())));
        return new Outcome(user, sessions, List.copyOf(refused));
    }

    private static ObjectNode userArgs(String user) {
        return Json.MAPPER.createObjectNode().put("user", Publisher.user(user).name());
    }

    private static SessionInfo info(JsonNode item) {
        List<String> channels = new ArrayList<>();
        item.path("channels").forEach(channel -> channels.add(channel.asText()));
        Instant since;
        try {
            since = Instant.parse(item.path("since").asText());
        } catch (DateTimeParseException e) {
            since = Instant.EPOCH; // a node of another version that says it otherwise: listed all the same
        }
        return new SessionInfo(item.path("session").asText(), item.path("node").asText(),
                item.path("transport").asText(SessionControl.TRANSPORT), List.copyOf(channels), since);
    }
}
