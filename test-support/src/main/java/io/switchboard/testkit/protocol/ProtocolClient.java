package io.switchboard.testkit.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testkit.Json;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A test client of the Switchboard protocol, whatever carries it (a WebSocket, an SSE stream with its
 * POSTs): what a test sends and the frames it received, the same for every transport, so that one check
 * runs over each.
 *
 * <p>Every frame received is parsed and kept, in arrival order, in a list that tests wait on
 * ({@link #awaitFrame}) and read ({@link #frames()}, {@link #events(String)}). The client answers the
 * server's {@code ping} frames with {@code pong} by itself, as a browser running client.js would. The
 * close code and reason the server sends are kept ({@link #awaitClose}).
 *
 * <p>Threading: a transport delivers frames one at a time ({@link #onFrame}); the frame list is guarded by
 * {@code this}.
 */
public abstract class ProtocolClient implements AutoCloseable {

    /** How long the waiting methods without an explicit timeout wait. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private static final AtomicLong REQUEST_IDS = new AtomicLong();

    /** How the server ended the connection: a WebSocket close frame, or an SSE {@code close} frame. */
    public record Close(int code, String reason) {
    }

    private final String description;
    private final List<JsonNode> frames = new ArrayList<>();
    private JsonNode welcome;
    private Close close;
    private Throwable failure;

    protected ProtocolClient(String description) {
        this.description = description;
    }

    // ---- the transport ---------------------------------------------------------------------------

    /** Sends one text frame as it is (it may be invalid JSON on purpose); returns once it was sent. */
    public abstract void send(String text);

    /** Sends the answer to the server's {@code ping} without waiting (called on the receiving thread). */
    protected abstract void sendPong(String pong);

    /** Whether the transport itself still carries frames (the base checks close and failure first). */
    protected abstract boolean transportOpen();

    /** Ends the connection from the client side. */
    @Override
    public abstract void close();

    // ---- what tests call -------------------------------------------------------------------------

    /** The {@code welcome} frame. */
    public JsonNode welcome() {
        return welcome;
    }

    /** The node id named in {@code welcome}. */
    public String node() {
        return welcome.path("node").asText();
    }

    /** The session id named in {@code welcome}. */
    public String session() {
        return welcome.path("session").asText();
    }

    /** The user named in {@code welcome}, or null for an anonymous connection. */
    public String user() {
        JsonNode user = welcome.path("user");
        return user.isTextual() ? user.asText() : null;
    }

    /** Sends a JSON frame. */
    public void send(JsonNode frame) {
        send(Json.write(frame));
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

    /**
     * Sends a {@code ping} with a fresh id, waits for its {@code pong} and returns the frames received after
     * {@code mark} and before it. A session answers its requests in order, so these hold the answers to all that
     * was sent since the mark (and whatever events and server pings came between).
     */
    public List<JsonNode> framesUntilPong(int mark, Duration timeout) {
        String id = "fence-" + UUID.randomUUID();
        send(Json.object().put("op", "ping").put("id", id));
        expectReply(awaitFrameAfter(mark, frame -> id.equals(frame.path("id").asText()), timeout), "pong", "ping " + id);
        List<JsonNode> received = frames();
        List<JsonNode> before = new ArrayList<>();
        for (JsonNode frame : received.subList(mark, received.size())) {
            if (id.equals(frame.path("id").asText())) {
                break;
            }
            before.add(frame);
        }
        return before;
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

    /** Matches the frames whose {@code op} is {@code op}: {@code client.awaitFrame(ProtocolClient.withOp("pong"))}. */
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
        return close == null && failure == null && transportOpen();
    }

    @Override
    public String toString() {
        return description + (welcome == null ? "" : " session " + welcome.path("session").asText() + " on " + node());
    }

    // ---- for transports --------------------------------------------------------------------------

    /** Waits for the {@code welcome} frame (the first one) and keeps it. */
    protected void awaitWelcome(Duration timeout) {
        welcome = awaitFrame(withOp("welcome"), timeout);
    }

    /** A frame arrived; answers a {@code ping} with a {@code pong} carrying its id, as client.js does. */
    protected void onFrame(JsonNode frame) {
        synchronized (this) {
            frames.add(frame);
            notifyAll();
        }
        if ("ping".equals(opOf(frame))) {
            ObjectNode pong = Json.object().put("op", "pong");
            if (frame.has("id")) {
                pong.set("id", frame.get("id"));
            }
            sendPong(Json.write(pong));
        }
    }

    /** The server ended the connection with {@code status}. */
    protected synchronized void onClose(Close status) {
        close = status;
        notifyAll();
    }

    /** The connection failed (reset, ended without a close). */
    protected synchronized void onFailure(Throwable error) {
        failure = error;
        notifyAll();
    }

    /** Whether the server closed or the connection failed. */
    protected synchronized boolean ended() {
        return close != null || failure != null;
    }

    /** Waits (up to {@code timeout}, without failing) until the connection ended. */
    protected synchronized void awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (close == null && failure == null && System.nanoTime() - deadline < 0) {
            try {
                TimeUnit.NANOSECONDS.timedWait(this, Math.min(50_000_000L, deadline - System.nanoTime()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    protected String description() {
        return description;
    }

    /** Parses a received text; text that is not JSON becomes an {@code unparseable} frame the test can see. */
    protected static JsonNode parse(String text) {
        try {
            return Json.parse(text);
        } catch (RuntimeException e) {
            return Json.object().put("op", "unparseable").put("text", text);
        }
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

    private static JsonNode expectReply(JsonNode reply, String expectedOp, String what) {
        if (!expectedOp.equals(opOf(reply))) {
            throw new AssertionError(what + " answered " + reply + " instead of " + expectedOp);
        }
        return reply;
    }

    private static String opOf(JsonNode frame) {
        return frame.path("op").asText();
    }
}
