package io.switchboard.testkit.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testkit.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A WebSocket test client speaking the Switchboard protocol, on the JDK's own WebSocket client.
 *
 * <p>Every text message received is parsed and kept, in arrival order, in a list that tests wait on
 * ({@link #awaitFrame}) and read ({@link #frames()}, {@link #events(String)}). Fragmented messages are
 * joined before parsing ({@link FrameReceiver}). The client answers the server's {@code ping} frames with {@code pong} by
 * itself, as a browser running client.js would. The close code and reason the server sends are kept
 * ({@link #awaitClose}).
 *
 * <p>Threading: the JDK delivers messages on one thread at a time; the frame list is guarded by
 * {@code this}; sends are chained so that one starts only after the previous one completed (the JDK
 * client refuses overlapping sends).
 */
public final class WsClient implements AutoCloseable {

    /** How long the waiting methods without an explicit timeout wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private static final AtomicLong REQUEST_IDS = new AtomicLong();

    /** A close frame received from the server. */
    public record Close(int code, String reason) {
    }

    private final String description;
    private final List<JsonNode> frames = new ArrayList<>();
    private final Object sendLock = new Object();
    /** Set by the JDK's {@code onOpen} (through the receiver), before any message is delivered. */
    private volatile WebSocket webSocket;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private JsonNode welcome;
    private Close close;
    private Throwable failure;

    private WsClient(String description) {
        this.description = description;
    }

    /** Starts a connection to the server at {@code httpBase} (e.g. {@code http://127.0.0.1:8080}): options, then connect. */
    public static WsConnector to(URI httpBase) {
        return new WsConnector(httpBase);
    }

    /**
     * Opens the connection {@code builder} describes and waits for the {@code welcome} frame.
     *
     * @throws WebSocketHandshakeException if the server refused the handshake (its status is in the response)
     */
    static WsClient open(URI uri, WebSocket.Builder builder) throws IOException {
        WsClient client = new WsClient(uri.toString());
        try {
            builder.buildAsync(uri, new FrameReceiver(client)).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException("cannot connect to " + uri, e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no handshake answer from " + uri + " within 15 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + uri, e);
        }
        try {
            client.welcome = client.awaitFrame(withOp("welcome"), DEFAULT_TIMEOUT);
        } catch (AssertionError e) {
            client.webSocket.abort();
            throw e;
        }
        return client;
    }

    /** The {@code welcome} frame. */
    public JsonNode welcome() {
        return welcome;
    }

    /** The node id named in {@code welcome}. */
    public String node() {
        return welcome.path("node").asText();
    }

    /** The user named in {@code welcome}, or null for an anonymous connection. */
    public String user() {
        JsonNode user = welcome.path("user");
        return user.isTextual() ? user.asText() : null;
    }

    /** Sends one text frame as it is (it may be invalid JSON on purpose). */
    public void send(String text) {
        awaitSent(enqueue(ws -> ws.sendText(text, true)), "text " + Json.abbreviate(text));
    }

    /** Sends a JSON frame. */
    public void send(JsonNode frame) {
        send(Json.write(frame));
    }

    /** Sends one binary frame. */
    public void sendBinary(byte[] bytes) {
        awaitSent(enqueue(ws -> ws.sendBinary(ByteBuffer.wrap(bytes), true)), "binary frame of " + bytes.length + " bytes");
    }

    /**
     * Sends {@code frame} with a fresh {@code id} and returns the first reply carrying that id
     * (any op but {@code event}).
     */
    public JsonNode request(ObjectNode frame) {
        String id = Long.toString(REQUEST_IDS.incrementAndGet());
        frame.put("id", id);
        int mark = mark();
        send(frame);
        return awaitFrameAfter(mark, reply -> id.equals(reply.path("id").asText(null)) && !"event".equals(opOf(reply)),
                DEFAULT_TIMEOUT);
    }

    /** Subscribes and waits for {@code subscribed}; returns it. Fails on an {@code error} reply. */
    public JsonNode subscribe(String channel) {
        return subscribe(channel, null);
    }

    /** Subscribes from offset {@code since} (null: from now) and waits for {@code subscribed}; returns it. */
    public JsonNode subscribe(String channel, String since) {
        ObjectNode frame = Json.object().put("op", "subscribe").put("channel", channel);
        if (since != null) {
            frame.put("since", since);
        }
        return expectReply(request(frame), "subscribed", "subscribe to " + channel);
    }

    /** Unsubscribes and waits for {@code unsubscribed}. */
    public JsonNode unsubscribe(String channel) {
        return expectReply(request(Json.object().put("op", "unsubscribe").put("channel", channel)),
                "unsubscribed", "unsubscribe from " + channel);
    }

    /** Publishes from the client and returns the reply ({@code published} or {@code error}). */
    public JsonNode publish(String channel, String event, Object data) {
        ObjectNode frame = Json.object().put("op", "publish").put("channel", channel).put("event", event);
        frame.set("data", Json.tree(data));
        return request(frame);
    }

    /** Sends {@code ping} and waits for its {@code pong}: proves the connection still works. */
    public JsonNode ping() {
        return expectReply(request(Json.object().put("op", "ping")), "pong", "ping");
    }

    /** A copy of every frame received so far, in order. */
    public synchronized List<JsonNode> frames() {
        return new ArrayList<>(frames);
    }

    /** The {@code event} frames received so far for {@code channel} ({@code @user} for user events). */
    public synchronized List<JsonNode> events(String channel) {
        return frames.stream()
                .filter(frame -> "event".equals(opOf(frame)) && channel.equals(frame.path("channel").asText()))
                .collect(Collectors.toList());
    }

    /** Waits until at least {@code count} events of {@code channel} arrived; returns all of them. */
    public List<JsonNode> awaitEvents(String channel, int count, Duration timeout) {
        awaitCondition(() -> events(channel).size() >= count,
                () -> count + " events on " + channel + " (have " + events(channel).size() + ")", timeout);
        return events(channel);
    }

    /** A position in the frame list: {@link #awaitFrameAfter} looks only at frames received after it. */
    public synchronized int mark() {
        return frames.size();
    }

    /** Matches the frames whose {@code op} is {@code op}: {@code client.awaitFrame(WsClient.withOp("pong"))}. */
    public static Predicate<JsonNode> withOp(String op) {
        return frame -> op.equals(opOf(frame));
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} for a frame (already received or arriving) that matches; returns it. */
    public JsonNode awaitFrame(Predicate<JsonNode> matching) {
        return awaitFrame(matching, DEFAULT_TIMEOUT);
    }

    /** Waits for a frame (already received or arriving) that matches; returns it. */
    public JsonNode awaitFrame(Predicate<JsonNode> matching, Duration timeout) {
        return awaitFrameAfter(0, matching, timeout);
    }

    /** Waits for a frame received after {@code mark} that matches; returns it. */
    public JsonNode awaitFrameAfter(int mark, Predicate<JsonNode> matching, Duration timeout) {
        JsonNode[] found = new JsonNode[1];
        awaitCondition(() -> {
            for (int i = mark; i < frames.size(); i++) {
                if (matching.test(frames.get(i))) {
                    found[0] = frames.get(i);
                    return true;
                }
            }
            return false;
        }, () -> "a matching frame", timeout);
        return found[0];
    }

    /** Waits up to {@link #DEFAULT_TIMEOUT} until the server closed the connection; returns its close code and reason. */
    public Close awaitClose() {
        return awaitClose(DEFAULT_TIMEOUT);
    }

    /** Waits until the server closed the connection; returns its close code and reason. */
    public synchronized Close awaitClose(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (close == null) {
            if (failure != null) {
                throw new AssertionError(description + " failed instead of being closed: " + failure, failure);
            }
            waitUntil(deadline, () -> "a close frame");
        }
        return close;
    }

    /** True while neither side closed the connection. */
    public synchronized boolean isOpen() {
        return close == null && failure == null && !webSocket.isInputClosed();
    }

    /** Closes with 1000 (if still open) and waits briefly for the server's close. */
    @Override
    public void close() {
        if (webSocket == null) {
            return;
        }
        if (!webSocket.isOutputClosed()) {
            try {
                enqueue(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye")).get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // already closed by the server, or reset: nothing left to close gracefully
            }
        }
        synchronized (this) {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (close == null && failure == null && System.nanoTime() - deadline < 0) {
                try {
                    wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        webSocket.abort();
    }

    @Override
    public String toString() {
        return description + (welcome == null ? "" : " session " + welcome.path("session").asText() + " on " + node());
    }

    private synchronized void awaitCondition(BooleanSupplier condition, Supplier<String> what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (close != null || failure != null) {
                throw new AssertionError(description + " ended while waiting for " + what.get() + ": "
                        + (close != null ? "closed " + close : "failed " + failure) + "; frames: " + lastFrames());
            }
            waitUntil(deadline, what);
        }
    }

    /** Waits on {@code this} (held) until notified or {@code deadline}; fails once the deadline passed. */
    private void waitUntil(long deadline, Supplier<String> what) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new AssertionError(description + ": timed out waiting for " + what.get() + "; frames: " + lastFrames());
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(this, remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what.get(), e);
        }
    }

    private String lastFrames() {
        List<JsonNode> last = frames.subList(Math.max(0, frames.size() - 5), frames.size());
        return (frames.size() > last.size() ? "(" + frames.size() + " in all, last 5) " : "")
                + last.stream().map(frame -> Json.abbreviate(frame.toString())).collect(Collectors.joining(", ", "[", "]"));
    }

    private CompletableFuture<?> enqueue(Function<WebSocket, CompletableFuture<WebSocket>> operation) {
        synchronized (sendLock) {
            CompletableFuture<?> next = lastSend.handle((ignored, error) -> null)
                    .thenCompose(ignored -> operation.apply(webSocket));
            lastSend = next;
            return next;
        }
    }

    private void awaitSent(CompletableFuture<?> sent, String what) {
        try {
            sent.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(description + ": cannot send " + what, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(description + ": sending " + what + " did not complete", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending " + what, e);
        }
    }

    private static JsonNode expectReply(JsonNode reply, String expectedOp, String what) {
        if (!expectedOp.equals(opOf(reply))) {
            throw new AssertionError(what + " answered " + reply + " instead of " + expectedOp);
        }
        return reply;
    }

    private static String opOf(JsonNode frame) {
        return frame.path("op").asText();
    }

    /** Called by the {@link FrameReceiver} once the handshake succeeded, before any message. */
    void opened(WebSocket ws) {
        webSocket = ws;
    }

    /** Called by the {@link FrameReceiver}, one frame at a time, in arrival order. */
    synchronized void received(JsonNode frame) {
        frames.add(frame);
        notifyAll();
    }

    /** Answers the server's {@code ping} with a {@code pong} carrying its id, as client.js does. */
    void answer(JsonNode ping) {
        ObjectNode pong = Json.object().put("op", "pong");
        if (ping.has("id")) {
            pong.set("id", ping.get("id"));
        }
        enqueue(socket -> socket.sendText(Json.write(pong), true));
    }

    synchronized void closed(Close status) {
        close = status;
        notifyAll();
    }

    synchronized void failed(Throwable error) {
        failure = error;
        notifyAll();
    }
}
