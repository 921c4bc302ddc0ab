package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Hundreds of clients of the SSE transport on one node, driven by one thread with a selector, as {@link SocketFleet}
 * drives WebSockets: each {@link SseStream} is a {@code GET {prefix}/sse} whose messages it reads (or stops reading,
 * {@link SseStream#stopReading()}), and a keep-alive connection of its own on which it POSTs its requests to
 * {@code {prefix}/sse/{session}} with the session's secret, pipelined: a request goes out without waiting for the
 * answers to the earlier ones, which HTTP/1.1 returns in order.
 *
 * <p>Counted ({@link #counts()}): every frame of a stream by its op ({@code error:<code>} for errors), every POST's
 * answer by its status ({@code post:202}), every end of a stream by the code of its {@code close} frame
 * ({@code close:-1} when the response ended without one), and POSTs whose connection ended before their answer
 * ({@code post:lost}).
 *
 * <p>Threading: streams and scripts belong to the fleet's thread; other threads read only the concurrent counters.
 */
public final class SseFleet implements AutoCloseable {

    /** What every stream of a fleet does, called on the fleet's thread. */
    public interface Script {
        /** The stream's {@code welcome} arrived: its requests may be POSTed. */
        void welcomed(SseStream stream);

        /** A frame arrived on the stream (the {@code welcome} excepted), parsed. */
        void received(SseStream stream, JsonNode frame);

        /** The answer to one of the stream's POSTs, in the order they were sent. */
        default void posted(SseStream stream, int status) {
        }
    }

    private static final int MAX_PENDING_OPENS = 128;

    // Read by the fleet's streams, as are the counters and opening.
    final InetSocketAddress address;
    final String origin;
    final int receiveBuffer;
    final Script script;
    private final int size;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    final AtomicLong welcomed = new AtomicLong();
    final AtomicLong ended = new AtomicLong();
    final AtomicLong unanswered = new AtomicLong();
    // Fleet thread only.
    private final List<SseStream> streams = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    int opening;
    private volatile boolean closing;
    private volatile Throwable failure;

    private SseFleet(ServerNode node, int size, int receiveBuffer, Script script) throws IOException {
        this.address = new InetSocketAddress("127.0.0.1", node.port());
        this.origin = "http://127.0.0.1:" + node.port();
        this.receiveBuffer = receiveBuffer;
        this.script = script;
        this.size = size;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "sse-fleet-" + node.id());
        this.thread.setDaemon(true);
    }

    /**
     * Opens {@code size} anonymous streams to {@code node} and returns at once; see {@link #awaitWelcomed}.
     *
     * @param receiveBuffer the streams' receive buffer in bytes (small for streams that will stop reading), 0: default
     */
    public static SseFleet open(ServerNode node, int size, int receiveBuffer, Script script) {
        try {
            SseFleet fleet = new SseFleet(node, size, receiveBuffer, script);
            fleet.thread.start();
            return fleet;
        } catch (IOException e) {
            throw new AssertionError("cannot open a selector", e);
        }
    }

    public void awaitWelcomed(Duration timeout) {
        await("all " + size + " streams welcomed", timeout, () -> welcomed.get() >= size);
    }

    /** Waits until {@code condition} holds; fails with the fleet's counts, or at once if the fleet thread failed. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what + " (last value: the fleet's counts)", timeout, () -> {
            if (failure != null) {
                throw new AssertionError("the SSE fleet failed", failure);
            }
            return condition.getAsBoolean() ? null : counts();
        }, counts -> counts == null);
    }

    /** Frames by op, POST answers by {@code post:<status>}, stream ends by {@code close:<code>}. */
    public Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        copy.put("welcomed", welcomed.get());
        return copy;
    }

    public long count(String key) {
        AtomicLong count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Streams that ended (a {@code close} frame, the response's end, or a refusal). */
    public long ended() {
        return ended.get();
    }

    /** POSTs sent whose answer has not arrived yet (lost ones not counted). */
    public long unanswered() {
        return unanswered.get();
    }

    /** Cuts every connection at once. */
    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void increment(String key) {
        counts.computeIfAbsent(key, ignored -> new AtomicLong()).incrementAndGet();
    }

    /** A socket to the node, registered with the fleet's selector; fleet thread only. */
    HttpSocket socket(int receiveBuffer, boolean counted, HttpResponses.Listener listener, Runnable onEnd) {
        return new HttpSocket(selector, address, readBuffer, receiveBuffer, counted, listener, onEnd);
    }

    private void run() {
        try {
            int next = 0;
            while (!closing) {
                while (next < size && opening < MAX_PENDING_OPENS) {
                    streams.add(new SseStream(this, next++));
                }
                selector.select(100);
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((HttpSocket) key.attachment()).ready(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            streams.forEach(SseStream::closeSockets);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
