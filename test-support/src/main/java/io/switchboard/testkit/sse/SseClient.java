package io.switchboard.testkit.sse;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.protocol.Connector;
import io.switchboard.testkit.protocol.ProtocolClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test client of Switchboard's SSE transport: the stream ({@code GET {prefix}/sse}) brings the frames,
 * each request is a {@code POST {prefix}/sse/{session}} with the session's secret, to the stream's own
 * server or in turn to others ({@link SseConnector#postTo}). What it records and how tests wait on it is
 * {@link ProtocolClient}'s, so the same checks run over SSE and over the WebSocket.
 *
 * <p>A {@code close} frame is the server's close (its code and reason, see {@link #awaitClose}), not a
 * frame in the list; a stream that ends without one is a failure. Requests go out one at a time, each
 * answered before the next, as client.js sends them.
 *
 * <p>Threading: the HTTP client delivers the stream's lines one at a time; POSTs are serialized by
 * {@code postLock}.
 */
public final class SseClient extends ProtocolClient {

    /** The answer to one POST. */
    public record Answer(int status, String body) {
    }

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Connector.Settings options;
    private final List<URI> postTargets;
    private final SseEvents events;
    private final AtomicInteger comments = new AtomicInteger();
    private final AtomicInteger nextTarget = new AtomicInteger();
    private final Object postLock = new Object();
    private volatile boolean closedByClient;

    private SseClient(String description, Connector.Settings options, List<URI> postTargets) {
        super(description);
        this.options = options;
        this.postTargets = postTargets.isEmpty() ? List.of(options.httpBase()) : List.copyOf(postTargets);
        this.events = new SseEvents(new SseEvents.Listener() {
            @Override
            public void message(String data) {
                received(data);
            }

            @Override
            public void comment(String text) {
                comments.incrementAndGet();
            }

            @Override
            public void ended(Throwable error) {
                if (!SseClient.this.ended() && !closedByClient) {
                    onFailure(error != null ? error : new IOException("the stream ended without a close frame"));
                }
            }
        });
    }

    /** Starts a connection to the server at {@code httpBase} (e.g. {@code http://127.0.0.1:8080}): options, then connect. */
    public static SseConnector to(URI httpBase) {
        return new SseConnector(httpBase);
    }

    static SseClient open(Connector.Settings options, List<URI> postTargets) throws IOException {
        URI uri = URI.create(options.httpBase() + options.prefix() + "/sse"
                + (options.token() == null ? "" : "?token=" + URLEncoder.encode(options.token(), StandardCharsets.UTF_8)));
        SseClient client = new SseClient("SSE " + uri, options, postTargets);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "text/event-stream");
        client.headers(request, options.originFor(options.httpBase()));
        CompletableFuture<Integer> status = new CompletableFuture<>();
        CompletableFuture<HttpResponse<String>> response = HTTP.sendAsync(request.build(), info -> {
            status.complete(info.statusCode());
            return info.statusCode() == 200
                    ? HttpResponse.BodySubscribers.fromLineSubscriber(client.events, subscriber -> "", StandardCharsets.UTF_8, "\n")
                    : HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
        });
        response.whenComplete((ignored, error) -> {
            if (error != null) {
                status.completeExceptionally(error);
            }
        });
        int code = await(status, "the answer to GET " + uri);
        if (code != 200) {
            throw new SseHandshakeException(uri.toString(), code, await(response, "the body of the answer").body());
        }
        try {
            client.awaitWelcome(DEFAULT_TIMEOUT);
        } catch (AssertionError e) {
            client.close();
            throw e;
        }
        return client;
    }

    /** The session's secret, from {@code welcome}. */
    public String secret() {
        return welcome().path("secret").asText(null);
    }

    /** How many comment lines (keep-alives) the stream brought so far. */
    public int comments() {
        return comments.get();
    }

    /** POSTs {@code text} and fails unless the node answered 202. */
    @Override
    public void send(String text) {
        Answer answer = post(text);
        if (answer.status() != 202) {
            throw new AssertionError(this + ": POST of " + Json.abbreviate(text) + " answered " + answer);
        }
    }

    /** POSTs {@code text} to the next target; returns the answer, whatever it is. */
    public Answer post(String text) {
        return post(text.getBytes(StandardCharsets.UTF_8));
    }

    /** POSTs {@code body} (any bytes) to the next target with this session's secret. */
    public Answer post(byte[] body) {
        return post(nextTarget(), session(), secret(), body);
    }

    /** POSTs {@code body} for {@code session} with {@code secret} (null: no header) to {@code base}. */
    public Answer post(URI base, String session, String secret, byte[] body) {
        return send(base, postRequest(base, session, secret, body));
    }

    /** POSTs {@code text} for this session to {@code base} as a page from {@code origin} would (null: none). */
    public Answer postFromOrigin(URI base, String origin, String text) {
        return send(base, postRequest(base, session(), secret(), text.getBytes(StandardCharsets.UTF_8), origin));
    }

    private Answer send(URI base, HttpRequest.Builder request) {
        synchronized (postLock) {
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new Answer(response.statusCode(), response.body());
            } catch (IOException e) {
                throw new UncheckedIOException(this + ": POST to " + base + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted posting to " + base, e);
            }
        }
    }

    /** The servers requests go to, in turn. */
    public List<URI> postTargets() {
        return postTargets;
    }

    @Override
    protected void sendPong(String pong) {
        HTTP.sendAsync(postRequest(nextTarget(), session(), secret(), pong.getBytes(StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    @Override
    protected boolean transportOpen() {
        return !closedByClient;
    }

    /** Stops reading: the connection is closed, as when a browser leaves the page. */
    @Override
    public void close() {
        closedByClient = true;
        events.cancel();
    }

    private URI nextTarget() {
        return postTargets.get(Math.floorMod(nextTarget.getAndIncrement(), postTargets.size()));
    }

    private HttpRequest.Builder postRequest(URI base, String session, String secret, byte[] body) {
        return postRequest(base, session, secret, body, options.originFor(base));
    }

    private HttpRequest.Builder postRequest(URI base, String session, String secret, byte[] body, String origin) {
        URI uri = URI.create(base + options.prefix() + "/sse/" + session);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(DEFAULT_TIMEOUT)
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (secret != null) {
            request.header("X-Switchboard-Secret", secret);
        }
        headers(request, origin);
        return request;
    }

    private void headers(HttpRequest.Builder request, String origin) {
        if (origin != null) {
            request.header("Origin", origin);
        }
        for (Map.Entry<String, String> header : options.headers().entrySet()) {
            request.header(header.getKey(), header.getValue());
        }
    }

    /** One SSE message: a frame, or the server's {@code close}. */
    private void received(String data) {
        JsonNode frame = parse(data);
        if ("close".equals(frame.path("op").asText())) {
            onClose(new Close(frame.path("code").asInt(), frame.path("reason").asText("")));
            return;
        }
        onFrame(frame);
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("failed waiting for " + what, e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no " + what + " within " + DEFAULT_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + what, e);
        }
    }
}
