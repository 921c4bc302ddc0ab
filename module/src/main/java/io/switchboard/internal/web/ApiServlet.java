package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.core.Reader;
import io.switchboard.internal.lifecycle.NettyThreadLocals;
import io.switchboard.internal.metrics.NodeRegistries;
import io.switchboard.internal.node.SwitchboardNode;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.security.ApiTokenCheck;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP API door at {@code {prefix}/api/*} (see the README's API table): parses the request,
 * calls the core ({@link Publisher}, {@link Reader}), maps the answer to JSON and the refusal
 * ({@link Refusal}) to its status ({@link ErrorCode#httpStatus()}).
 *
 * <p><b>Threads.</b> Requests that wait on the bus run in async mode, so no container thread
 * waits on Redis; the bus's thread, which must not block on a slow client's socket, only puts a
 * small answer into the response's buffer and lets the container send it ({@link AsyncAnswer}).
 * Health is open to load balancers; everything else needs the bearer token.
 */
final class ApiServlet extends HttpServlet {
    private static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    private static final Pattern CHANNEL_PATH = Pattern.compile("/channels/([^/]+)/(events|history|presence)");
    private static final Pattern USER_PATH = Pattern.compile("/users/([^/]+)/events");
    private static final long ASYNC_TIMEOUT_MILLIS = 30_000;
    private static final int DEFAULT_HISTORY_LIMIT = 100;

    private final transient Publisher publisher;
    private final transient Reader reader;
    private final transient ApiTokenCheck tokens;
    private final transient ApiTokenCheck metricsTokens;
    private final transient NodeRegistries metrics;
    private final int maxBodyBytes;
    private final transient ControlRoutes control;

    ApiServlet(SwitchboardNode node) {
        this.publisher = node.publisher();
        this.reader = node.reader();
        this.tokens = new ApiTokenCheck(node.config().apiToken());
        this.metricsTokens = new ApiTokenCheck(node.config().metricsToken());
        this.metrics = node.metrics();
        this.maxBodyBytes = node.config().maxBodyBytes();
        this.control = new ControlRoutes(node.control(), maxBodyBytes);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
            route(request, response);
        } catch (Refusal refusal) {
            ApiResponses.error(response, refusal.code().httpStatus(), refusal.code().wireName(), refusal.getMessage());
        } finally {
            NettyThreadLocals.release();
        }
    }

    private void route(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String path = request.getPathInfo() == null ? "/" : request.getPathInfo();
        String method = request.getMethod();
        if (path.equals("/health")) {
            if (allow(method, "GET", response)) {
                health(request);
            }
            return;
        }
        if (path.equals("/metrics")) {
            if (allow(method, "GET", response) && authorized(request, response, true)) {
                metrics(response);
            }
            return;
        }
        if (!authorized(request, response, false)) {
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
                stats(request);
            }
        } else if (channel.matches()) {
            Topic topic = Publisher.channel(channel.group(1));
            switch (channel.group(2)) {
                case "events" -> {
                    if (allow(method, "POST", response)) {
                        publishOne(request, response, topic);
                    }
                }
                case "history" -> {
                    if (allow(method, "GET", response)) {
                        history(request, topic);
                    }
                }
                default -> {
                    if (allow(method, "GET", response)) {
                        presence(request, topic);
                    }
                }
            }
        } else if (user.matches()) {
            Topic topic = Publisher.user(user.group(1));
            if (allow(method, "POST", response)) {
                publishOne(request, response, topic);
            }
        } else if (!control.route(path, request, response)) {
            throw new Refusal(ErrorCode.NOT_FOUND, "no API resource at " + ChannelNames.quote(path));
        }
    }

    /** @param metrics whether the request is for the metrics, which the metrics token also reads */
    private boolean authorized(HttpServletRequest request, HttpServletResponse response, boolean metrics) throws IOException {
        String authorization = request.getHeader("Authorization");
        ApiTokenCheck.Verdict verdict = tokens.check(authorization);
        if (metrics && verdict != ApiTokenCheck.Verdict.ACCEPTED) {
            ApiTokenCheck.Verdict byMetricsToken = metricsTokens.check(authorization);
            if (byMetricsToken != ApiTokenCheck.Verdict.NOT_CONFIGURED) {
                verdict = byMetricsToken == ApiTokenCheck.Verdict.ACCEPTED ? byMetricsToken : ApiTokenCheck.Verdict.MISSING_OR_WRONG;
            }
        }
        switch (verdict) {
            case ACCEPTED -> {
                return true;
            }
            case NOT_CONFIGURED -> ApiResponses.error(response, 403, "forbidden", metrics
                    ? "the metrics are disabled: no API token or metrics token is configured (switchboard.api-token, "
                    + "switchboard.metrics-token)"
                    : "the API is disabled: no API token is configured (switchboard.api-token)");
            default -> {
                response.setHeader("WWW-Authenticate", "Bearer");
                ApiResponses.error(response, 401, "unauthorized", "missing or wrong bearer token");
            }
        }
        return false;
    }

    private static boolean allow(String method, String allowed, HttpServletResponse response) throws IOException {
        return ApiResponses.allow(method, allowed, response);
    }

    // ---- publishing ---------------------------------------------------------------------------

    private void publishOne(HttpServletRequest request, HttpServletResponse response, Topic topic) throws IOException {
        Optional<JsonNode> body = readBody(request, response);
        if (body.isEmpty()) {
            return;
        }
        Publisher.Prepared event = publisher.prepare(Publisher.Door.API, List.of(draft(topic, body.get())),
                request.getHeader(IDEMPOTENCY_HEADER));
        answer(request, publisher.publish(event), offsets -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put(topic.kind() == Topic.Kind.USER ? "user" : "channel", topic.name());
            answer.put("offset", offsets.get(0).toString());
            return answer;
        });
    }

    private void publishBatch(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<JsonNode> body = readBody(request, response);
        if (body.isEmpty()) {
            return;
        }
        JsonNode items = body.get().get("events");
        if (items == null || !items.isArray() || items.isEmpty()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "expected {\"events\": [{\"channel\",\"event\",\"data\"}, ...]}");
        }
        List<Publisher.Draft> drafts = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            try {
                String channel = item.path("channel").isTextual() ? item.get("channel").textValue() : null;
                drafts.add(draft(Publisher.channel(channel), item));
            } catch (Refusal refusal) {
                throw new Refusal(refusal.code(), "events[" + i + "]: " + refusal.getMessage());
            }
        }
        Publisher.Prepared events = publisher.prepare(Publisher.Door.API, drafts, request.getHeader(IDEMPOTENCY_HEADER));
        answer(request, publisher.publish(events), offsets -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            ArrayNode list = answer.putArray("offsets");
            offsets.forEach(offset -> list.add(offset.toString()));
            return answer;
        });
    }

    /** {@code {"event": ..., "data": ...}} as a draft; the publisher checks the names and sizes. */
    private static Publisher.Draft draft(Topic topic, JsonNode body) {
        if (!body.isObject()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "expected a JSON object {\"event\": ..., \"data\": ...}");
        }
        JsonNode event = body.get("event");
        if (event == null || !event.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "'event' must be a string of 1 to 128 printable characters");
        }
        return new Publisher.Draft(topic, event.textValue(), body.has("data") ? body.get("data") : NullNode.instance);
    }

    // ---- reading ------------------------------------------------------------------------------

    private void history(HttpServletRequest request, Topic topic) {
        String sinceText = request.getParameter("since");
        Optional<Offset> since = Optional.empty();
        if (sinceText != null && !sinceText.isEmpty()) {
            since = Optional.of(Offset.parse(sinceText).orElseThrow(() ->
                    new Refusal(ErrorCode.BAD_REQUEST, "'since' must be an offset like 'abc123-42'")));
        }
        int limit;
        try {
            String limitText = request.getParameter("limit");
            limit = limitText == null ? Math.min(DEFAULT_HISTORY_LIMIT, reader.maxHistoryLimit()) : Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        answer(request, reader.history(topic, since, limit), page -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("channel", topic.name());
            answer.put("offset", page.current().toString());
            answer.put("recovered", page.recovered());
            ArrayNode events = answer.putArray("events");
            for (Reader.StoredEvent event : page.events()) {
                events.addObject()
                        .put("event", event.event())
                        .put("offset", event.offset().toString())
                        .put("node", event.origin())
                        .set("data", event.data());
            }
            return answer;
        });
    }

    private void presence(HttpServletRequest request, Topic channel) {
        answer(request, reader.members(channel), members -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.put("channel", channel.name());
            ArrayNode list = answer.putArray("members");
            members.forEach(list::add);
            return answer;
        });
    }

    private void health(HttpServletRequest request) {
        AsyncContext async = start(request);
        reader.health().thenAccept(health -> {
            ObjectNode answer = Json.MAPPER.createObjectNode()
                    .put("status", health.up() ? "up" : "down")
                    .put("node", health.node())
                    .put("bus", health.bus())
                    .put("receiving", health.receiving());
            health.problem().ifPresent(problem -> answer.put("message", problem));
            write(async, health.up() ? 200 : 503, answer);
        });
    }

    private void stats(HttpServletRequest request) {
        answer(request, reader.cluster(), figures -> {
            ObjectNode answer = Json.MAPPER.createObjectNode();
            answer.set("node", Json.MAPPER.valueToTree(figures.node()));
            ObjectNode cluster = answer.putObject("cluster");
            cluster.put("nodes", figures.byNode().size());
            cluster.put("connections", figures.total("connections"));
            cluster.put("published", figures.total("published"));
            cluster.put("delivered", figures.total("delivered"));
            cluster.set("byNode", Json.MAPPER.valueToTree(figures.byNode()));
            return answer;
        });
    }

    /** The node's meters in the Prometheus text format; read from memory, on the container's thread. */
    private void metrics(HttpServletResponse response) throws IOException {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        response.setStatus(200);
        response.setContentType(NodeRegistries.PROMETHEUS_CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** Reads the JSON body, answering 413/400 itself (and returning empty) when it cannot. */
    private Optional<JsonNode> readBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        return RequestBodies.read(request, response, maxBodyBytes, false);
    }

    private static AsyncContext start(HttpServletRequest request) {
        AsyncContext async = request.startAsync();
        async.setTimeout(ASYNC_TIMEOUT_MILLIS);
        return async;
    }

    /** Answers when {@code work} completes: 200 (202 for a publish) with the answer, or 503. */
    private static <T> void answer(HttpServletRequest request, CompletionStage<T> work, Function<T, JsonNode> answer) {
        boolean publish = "POST".equals(request.getMethod());
        AsyncAnswer.when(work, start(request), publish ? 202 : 200, answer,
                publish ? "the bus is unavailable: nothing was published" : "the bus is unavailable");
    }

    private static void write(AsyncContext async, int status, JsonNode body) {
        AsyncAnswer.write(async, status, body);
    }
}
