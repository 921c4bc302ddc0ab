package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.api.SessionInfo;
import io.switchboard.internal.node.ClusterControl;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server-side control routes of the HTTP API (SPEC v1.1), behind the same bearer token as the
 * rest of {@code {prefix}/api/*}, which {@link ApiServlet} has checked:
 * <ul>
 *   <li>{@code POST /users/{user}/subscriptions} {@code {"channel","since"?}}: {@code 202
 *       {"user","channel","sessions","refused"}};</li>
 *   <li>{@code DELETE /users/{user}/subscriptions/{channel}}: {@code 202 {"user","channel","sessions"}};</li>
 *   <li>{@code POST /users/{user}/disconnect} {@code {"reason"?}} (or no body): {@code 202 {"user","sessions"}},
 *       the number of sessions closed;</li>
 *   <li>{@code GET /users/{user}/sessions}: {@code 200 {"user","sessions":[{"session","node","transport","channels","since"}]}};</li>
 *   <li>{@code POST /sessions/{session}/events} {@code {"event","data"}}: {@code 202 {"session"}}, or 404.</li>
 * </ul>
 * A user with no session anywhere is no error (202 with {@code sessions: 0}, or an empty list).
 * Thin: parses, calls {@link ClusterControl}, maps its outcome; a {@link Refusal} thrown here
 * (bad user id, channel, body) is answered by the servlet, one that fails the stage (unknown
 * session, bus unavailable) here, with its status.
 */
final class ControlRoutes {
    private static final Logger log = LoggerFactory.getLogger(ControlRoutes.class);
    private static final Pattern SUBSCRIPTIONS = Pattern.compile("/users/([^/]+)/subscriptions");
    private static final Pattern SUBSCRIPTION = Pattern.compile("/users/([^/]+)/subscriptions/([^/]+)");
    private static final Pattern DISCONNECT = Pattern.compile("/users/([^/]+)/disconnect");
    private static final Pattern SESSIONS = Pattern.compile("/users/([^/]+)/sessions");
    private static final Pattern SESSION_EVENTS = Pattern.compile("/sessions/([^/]+)/events");
    private static final long ASYNC_TIMEOUT_MILLIS = 30_000;

    private final ClusterControl control;
    private final int maxBodyBytes;

    ControlRoutes(ClusterControl control, int maxBodyBytes) {
        this.control = control;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Answers the request if {@code path} is one of these routes; false if it is none of them. */
    boolean route(String path, HttpServletRequest request, HttpServletResponse response) throws IOException {
        String method = request.getMethod();
        Matcher matched;
        if ((matched = SUBSCRIPTIONS.matcher(path)).matches()) {
            if (ApiResponses.allow(method, "POST", response)) {
                subscribe(matched.group(1), request, response);
            }
        } else if ((matched = SUBSCRIPTION.matcher(path)).matches()) {
            if (ApiResponses.allow(method, "DELETE", response)) {
                String user = matched.group(1);
                String channel = matched.group(2);
                answer(request, control.unsubscribe(user, channel), 202,
                        outcome -> counted(outcome).put("channel", channel));
            }
        } else if ((matched = DISCONNECT.matcher(path)).matches()) {
            if (ApiResponses.allow(method, "POST", response)) {
                disconnect(matched.group(1), request, response);
            }
        } else if ((matched = SESSIONS.matcher(path)).matches()) {
            if (ApiResponses.allow(method, "GET", response)) {
                String user = matched.group(1);
                answer(request, control.sessions(user), 200, sessions -> sessions(user, sessions));
            }
        } else if ((matched = SESSION_EVENTS.matcher(path)).matches()) {
            if (ApiResponses.allow(method, "POST", response)) {
                publishToSession(matched.group(1), request, response);
            }
        } else {
            return false;
        }
        return true;
    }

    private void subscribe(String user, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = object(request, response, false);
        if (body.isEmpty()) {
            return;
        }
        String channel = text(body.get(), "channel", true);
        String since = text(body.get(), "since", false);
        answer(request, control.subscribe(user, channel, since), 202, outcome -> {
            ObjectNode answer = counted(outcome).put("channel", channel);
            ArrayNode refused = answer.putArray("refused");
            for (ClusterControl.Refused item : outcome.refused()) {
                refused.addObject().put("node", item.node()).put("session", item.session())
                        .put("code", item.code()).put("message", item.message());
            }
            return answer;
        });
    }

    private void disconnect(String user, HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = object(request, response, true);
        if (body.isPresent()) {
            answer(request, control.disconnect(user, text(body.get(), "reason", false)), 202, ControlRoutes::counted);
        }
    }

    private void publishToSession(String session, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Optional<JsonNode> body = object(request, response, false);
        if (body.isPresent()) {
            String event = text(body.get(), "event", true);
            JsonNode data = body.get().has("data") ? body.get().get("data") : NullNode.instance;
            answer(request, control.publishToSession(session, event, data), 202,
                    done -> Json.MAPPER.createObjectNode().put("session", session));
        }
    }

    private static ObjectNode counted(ClusterControl.Outcome outcome) {
        return Json.MAPPER.createObjectNode().put("user", outcome.user()).put("sessions", outcome.sessions());
    }

    private static JsonNode sessions(String user, List<SessionInfo> sessions) {
        ObjectNode answer = Json.MAPPER.createObjectNode().put("user", user);
        ArrayNode list = answer.putArray("sessions");
        for (SessionInfo info : sessions) {
            ObjectNode item = list.addObject().put("session", info.session()).put("node", info.node())
                    .put("transport", info.transport());
            ArrayNode channels = item.putArray("channels");
            info.channels().forEach(channels::add);
            item.put("since", info.since().toString());
        }
        return answer;
    }

    /** The body as a JSON object ({@code {}} for none where {@code emptyIsObject}); empty if answered already. */
    private Optional<JsonNode> object(HttpServletRequest request, HttpServletResponse response, boolean emptyIsObject)
            throws IOException {
        Optional<JsonNode> body = RequestBodies.read(request, response, maxBodyBytes, emptyIsObject);
        if (body.isPresent() && !body.get().isObject()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "expected a JSON object");
        }
        return body;
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new Refusal(ErrorCode.BAD_REQUEST, "'" + field + "' is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "'" + field + "' must be a string");
        }
        return value.textValue();
    }

    /**
     * Answers {@code status} with the outcome once {@code work} completes, or the status of the
     * {@link Refusal} it failed with (404 for no such session, 503 when the bus is down). Written on
     * a container thread ({@link AsyncAnswer#write}).
     */
    private static <T> void answer(HttpServletRequest request, CompletionStage<T> work, int status,
                                   Function<T, JsonNode> answer) {
        AsyncContext async = request.startAsync();
        async.setTimeout(ASYNC_TIMEOUT_MILLIS);
        work.whenComplete((result, error) -> {
            if (error == null) {
                AsyncAnswer.write(async, status, answer.apply(result));
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            Refusal refusal = cause instanceof Refusal known ? known
                    : new Refusal(ErrorCode.UNAVAILABLE, "the cluster could not be asked now");
            log.debug("A control request failed: {}", cause.toString());
            AsyncAnswer.write(async, refusal.code().httpStatus(), Json.MAPPER.createObjectNode()
                    .put("error", refusal.code().wireName()).put("message", refusal.getMessage()));
        });
    }
}
