package io.switchboard.web;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.bus.Bus;
import io.switchboard.bus.BusMessage;
import io.switchboard.bus.History;
import io.switchboard.bus.NettyThreadLocals;
import io.switchboard.bus.Topic;
import io.switchboard.node.SwitchboardNode;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.Json;
import io.switchboard.protocol.Offset;
import io.switchboard.security.ApiTokenCheck;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP trigger API at {@code {prefix}/api/*} (see the README's API table).
 *
 * <p>Publishing is asynchronous: the request is put in async mode and answered from the bus
 * thread when Redis has accepted (202) or refused (503) the event, so no container thread waits
 * on Redis. Health is open to load balancers; everything else needs the bearer token.
 */
final class ApiServlet extends HttpServlet {
    private static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    private static final java.util.regex.Pattern IDEMPOTENCY_KEY = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final Logger log = LoggerFactory.getLogger(ApiServlet.class);
    private static final Pattern CHANNEL_PATH = Pattern.compile("/channels/([^/]+)/(events|history|presence)");
    private static final Pattern USER_PATH = Pattern.compile("/users/([^/]+)/events");
    private static final long ASYNC_TIMEOUT_MILLIS = 30_000;
    private static final int DEFAULT_HISTORY_LIMIT = 100;

    private final transient SwitchboardNode node;
    private final transient ApiTokenCheck tokens;

    ApiServlet(SwitchboardNode node) {
        this.node = node;
        this.tokens = new ApiTokenCheck(node.config().apiToken());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            route(request, response);
        } finally {
            NettyThreadLocals.release();
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        String method = request.getMethod();
        if (path.equals("/health")) {
            if (allow(method, "GET", response)) {
                health(request, response);
            }
            return;
        }
        if (!authorized(request, response)) {
            return;
        }
        Matcher channel = CHANNEL_PATH.matcher(path);
        Matcher user = USER_PATH.matcher(path);
        if (path.equals("/events")) {
            if (allow(method, "POST", response)) {
                publishBatch(request, response);
            }
        } else if (path.equals("/stats")) {
            if (allow(method, "GET", response)) {
                stats(request, response);
            }
        } else if (channel.matches()) {
            String name = channel.group(1);
            if (!ChannelNames.isValidChannel(name) || ChannelNames.isReserved(name)) {
                ApiResponses.error(response, 400, "bad_request", "invalid channel name " + ChannelNames.quote(name));
                return;
            }
            switch (channel.group(2)) {
                case "events" -> {
                    if (allow(method, "POST", response)) {
                        publishOne(request, response, Topic.channel(name));
                    }
                }
                case "history" -> {
                    if (allow(method, "GET", response)) {
                        history(request, response, Topic.channel(name));
                    }
                }
                default -> {
                    if (allow(method, "GET", response)) {
                        presence(request, response, name);
                    }
                }
            }
        } else if (user.matches()) {
            String userId = user.group(1);
            if (!ChannelNames.isValidUser(userId)) {
                ApiResponses.error(response, 400, "bad_request", "invalid user id " + ChannelNames.quote(userId));
            } else if (allow(method, "POST", response)) {
                publishOne(request, response, Topic.user(userId));
            }
        } else {
            ApiResponses.error(response, 404, "not_found", "no API resource at " + ChannelNames.quote(path));
        }
    }

    private boolean authorized(HttpServletRequest request, HttpServletResponse response) throws IOException {
        switch (tokens.check(request.getHeader("Authorization"))) {
            case ACCEPTED -> {
                return true;
            }
            case NOT_CONFIGURED -> ApiResponses.error(response, 403, "forbidden",
                    "the API is disabled: no API token is configured (switchboard.api-token)");
            default -> {
                response.setHeader("WWW-Authenticate", "Bearer");
                ApiResponses.error(response, 401, "unauthorized", "missing or wrong bearer token");
            }
        }
        return false;
    }

    private static boolean allow(String method, String allowed, HttpServletResponse response) throws IOException {
        if (allowed.equals(method)) {
            return true;
        }
        response.setHeader("Allow", allowed);
        ApiResponses.error(response, 405, "bad_request", method + " not allowed here; use " + allowed);
        return false;
    }

    // ---- publishing ---------------------------------------------------------------------------

    private void publishOne(HttpServletRequest request, HttpServletResponse response, Topic topic) throws IOException {
        if (refusedIdempotencyKey(request, response)) {
            return;
        }
        Optional<JsonNode> body = readBody(request, response);
        if (body.isEmpty()) {
            return;
        }
        Bus.Outgoing event;
        try {
            event = outgoing(topic, body.get());
        } catch (IllegalArgumentException e) {
            ApiResponses.error(response, e instanceof TooLarge ? 413 : 400, e instanceof TooLarge ? "too_large" : "bad_request",
                    e.getMessage());
            return;
        }
        answerAsync(request, response, node.publishAll(List.of(event), request.getHeader(IDEMPOTENCY_HEADER)), offsets -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put(topic.kind() == Topic.Kind.USER ? "user" : "channel", topic.name());
            answer.put("offset", offsets.get(0).toString());
            return answer;
        });
    }

    private void publishBatch(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (refusedIdempotencyKey(request, response)) {
            return;
        }
        Optional<JsonNode> body = readBody(request, response);
        if (body.isEmpty()) {
            return;
        }
        JsonNode items = body.get().get("events");
        if (items == null || !items.isArray() || items.isEmpty()) {
            ApiResponses.error(response, 400, "bad_request", "expected {\"events\": [{\"channel\",\"event\",\"data\"}, ...]}");
            return;
        }
        if (items.size() > node.config().maxBatch()) {
            ApiResponses.error(response, 413, "too_large", "at most " + node.config().maxBatch() + " events per batch");
            return;
        }
        List<Bus.Outgoing> events = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String channel = item.path("channel").isTextual() ? item.get("channel").textValue() : null;
            try {
                if (!ChannelNames.isValidChannel(channel) || ChannelNames.isReserved(channel)) {
                    throw new IllegalArgumentException("invalid channel name " + ChannelNames.quote(channel));
                }
                events.add(outgoing(Topic.channel(channel), item));
            } catch (IllegalArgumentException e) {
                ApiResponses.error(response, e instanceof TooLarge ? 413 : 400, e instanceof TooLarge ? "too_large" : "bad_request",
                        "events[" + i + "]: " + e.getMessage());
                return;
            }
        }
        answerAsync(request, response, node.publishAll(events, request.getHeader(IDEMPOTENCY_HEADER)), offsets -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            ArrayNode list = answer.putArray("offsets");
            offsets.forEach(offset -> list.add(offset.toString()));
            return answer;
        });
    }

    /**
     * Checks the optional {@code Idempotency-Key} header: a client that got no answer (or a 503)
     * may send the same request again with the same key, and it is published at most once.
     *
     * @return true after answering 400 for a malformed key
     */
    private static boolean refusedIdempotencyKey(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String key = request.getHeader(IDEMPOTENCY_HEADER);
        if (key == null || IDEMPOTENCY_KEY.matcher(key).matches()) {
            return false;
        }
        ApiResponses.error(response, 400, "bad_request", IDEMPOTENCY_HEADER + " must be 1 to 100 letters, digits or . _ : -");
        return true;
    }

    private Bus.Outgoing outgoing(Topic topic, JsonNode body) {
        if (!body.isObject()) {
            throw new IllegalArgumentException("expected a JSON object {\"event\": ..., \"data\": ...}");
        }
        JsonNode event = body.get("event");
        if (event == null || !event.isTextual() || !ChannelNames.isValidEvent(event.textValue())) {
            throw new IllegalArgumentException("'event' must be a string of 1 to 128 printable characters");
        }
        JsonNode data = body.has("data") ? body.get("data") : NullNode.instance;
        try {
            return new Bus.Outgoing(topic, node.envelope(event.textValue(), data));
        } catch (IllegalArgumentException e) {
            throw new TooLarge(e.getMessage());
        }
    }

    /** Data over the limit: answered with 413, not 400. */
    private static final class TooLarge extends IllegalArgumentException {
        TooLarge(String message) {
            super(message);
        }
    }

    // ---- reading ------------------------------------------------------------------------------

    private void history(HttpServletRequest request, HttpServletResponse response, Topic topic) throws IOException {
        String sinceText = request.getParameter("since");
        Optional<Offset> since = Optional.empty();
        if (sinceText != null && !sinceText.isEmpty()) {
            since = Offset.parse(sinceText);
            if (since.isEmpty()) {
                ApiResponses.error(response, 400, "bad_request", "'since' must be an offset like 'abc123-42'");
                return;
            }
        }
        int limit;
        try {
            String limitText = request.getParameter("limit");
            limit = limitText == null ? DEFAULT_HISTORY_LIMIT : Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > Math.max(1, node.config().historySize())) {
            ApiResponses.error(response, 400, "bad_request",
                    "'limit' must be between 1 and " + Math.max(1, node.config().historySize()));
            return;
        }
        int max = limit;
        Bus bus = node.bus();
        CompletionStage<History> read = since.isPresent()
                ? bus.history(topic, since, max)
                // Without 'since': the last 'limit' events of the current epoch.
                : bus.history(topic, Optional.empty(), 0).thenCompose(position -> bus.history(topic,
                        Optional.of(new Offset(position.current().epoch(), Math.max(0, position.current().seq() - max))), max));
        answerAsync(request, response, read, history -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("channel", topic.name());
            answer.put("offset", history.current().toString());
            answer.put("recovered", history.recovered());
            ArrayNode events = answer.putArray("events");
            for (BusMessage message : history.events()) {
                io.switchboard.protocol.EventEnvelope envelope;
                try {
                    envelope = io.switchboard.protocol.EventEnvelope.decode(message.envelope());
                } catch (IllegalArgumentException foreign) {
                    // Not ours (another application on a shared namespace, a corrupted value): skipped, as
                    // the live path skips it, instead of failing the whole answer.
                    log.debug("Skipped history entry {} of {}: {}", message.offset(), topic, foreign.getMessage());
                    continue;
                }
                events.addObject()
                        .put("event", envelope.event())
                        .put("offset", message.offset().toString())
                        .put("node", envelope.origin())
                        .set("data", envelope.data());
            }
            return answer;
        });
    }

    private void presence(HttpServletRequest request, HttpServletResponse response, String channel) throws IOException {
        if (!ChannelNames.isPresence(channel)) {
            ApiResponses.error(response, 404, "not_found", "only presence-* channels keep a member list");
            return;
        }
        answerAsync(request, response, node.bus().members(Topic.channel(channel)), members -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("channel", channel);
            ArrayNode list = answer.putArray("members");
            members.forEach(list::add);
            return answer;
        });
    }

    private void health(HttpServletRequest request, HttpServletResponse response) throws IOException {
        CompletionStage<Void> ping = node.isStopping()
                ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("shutting down"))
                : node.withTimeout(node.bus().ping(), 2000);
        AsyncContext async = request.startAsync();
        async.setTimeout(ASYNC_TIMEOUT_MILLIS);
        ping.whenComplete((ignored, error) -> {
            boolean receiving = node.bus().receiving();
            boolean up = error == null && receiving;
            ObjectNode answer = Json.MAPPER.createObjectNode()
                    .put("status", up ? "up" : "down")
                    .put("node", node.nodeId())
                    .put("bus", node.bus().kind())
                    .put("receiving", receiving);
            if (!up) {
                answer.put("message", error != null ? "the bus does not answer" : "the bus subscriptions do not receive");
            }
            write(async, up ? 200 : 503, answer);
        });
    }

    private void stats(HttpServletRequest request, HttpServletResponse response) throws IOException {
        answerAsync(request, response, node.bus().nodes(), nodes -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.set("node", Json.MAPPER.valueToTree(node.figures()));
            ObjectNode cluster = answer.putObject("cluster");
            ObjectNode byNode = Json.MAPPER.createObjectNode();
            long connections = 0;
            long published = 0;
            long delivered = 0;
            for (Map.Entry<String, String> entry : nodes.entrySet()) {
                try {
                    JsonNode figures = Json.MAPPER.readTree(entry.getValue());
                    byNode.set(entry.getKey(), figures);
                    connections += figures.path("connections").asLong();
                    published += figures.path("published").asLong();
                    delivered += figures.path("delivered").asLong();
                } catch (JacksonException e) {
                    log.debug("Skipped unreadable figures of node {}", entry.getKey());
                }
            }
            cluster.put("nodes", byNode.size());
            cluster.put("connections", connections);
            cluster.put("published", published);
            cluster.put("delivered", delivered);
            cluster.set("byNode", byNode);
            return answer;
        });
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** Reads the JSON body, answering 413/400 itself (and returning empty) when it cannot. */
    private Optional<JsonNode> readBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int max = node.config().maxBodyBytes();
        if (request.getContentLengthLong() > max) {
            ApiResponses.error(response, 413, "too_large", "request body over " + max + " bytes");
            return Optional.empty();
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(max + 1);
        }
        if (body.length > max) {
            ApiResponses.error(response, 413, "too_large", "request body over " + max + " bytes");
            return Optional.empty();
        }
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json == null || json.isMissingNode()) {
                throw new IllegalArgumentException("empty body");
            }
            return Optional.of(json);
        } catch (JacksonException | IllegalArgumentException e) {
            ApiResponses.error(response, 400, "bad_request", "the body must be JSON: "
                    + (e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()));
            return Optional.empty();
        }
    }

    private <T> void answerAsync(HttpServletRequest request, HttpServletResponse response,
                                 CompletionStage<T> work, Function<T, JsonNode> answer) {
        AsyncContext async = request.startAsync();
        async.setTimeout(ASYNC_TIMEOUT_MILLIS);
        work.whenComplete((result, error) -> {
            if (error != null) {
                log.debug("API request failed: {}", error.toString());
                write(async, 503, Json.MAPPER.createObjectNode().put("error", "unavailable")
                        .put("message", "POST".equals(request.getMethod())
                                ? "the bus is unavailable: nothing was published"
                                : "the bus is unavailable"));
                return;
            }
            int status = "POST".equals(request.getMethod()) ? 202 : 200;
            write(async, status, answer.apply(result));
        });
    }

    private static void write(AsyncContext async, int status, JsonNode body) {
        try {
            ApiResponses.json((HttpServletResponse) async.getResponse(), status, body);
        } catch (IOException | IllegalStateException e) {
            log.debug("Could not write the API answer: {}", e.toString());
        } finally {
            async.complete();
        }
    }
}
