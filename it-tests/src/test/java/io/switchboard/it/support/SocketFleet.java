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
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Thousands of raw WebSocket connections to one node, driven by one thread with a selector, the way a load
 * generator opens them: no thread and only a few KiB per connection. What each connection does is a
 * {@link Script} called on that thread; connections ({@link FleetConnection}) can stop reading for good
 * ({@link FleetConnection#stopReading()}),
 * so that their receive buffers fill and the node's writes to them stall, like a hostile client's.
 *
 * <p>Every frame received is counted by its op (errors by their code, e.g. {@code error:rate_limited}) and every
 * end of a connection by its close code ({@code close:1013}, {@code close:-1} when the TCP connection ended
 * without a close frame), see {@link #counts()}. The fleet answers the server's {@code ping}s by itself on
 * connections that read.
 *
 * <p>Threading: connections, scripts and timers belong to the fleet's thread; other threads hand it work with
 * {@link #execute(Runnable)} and read only the counters, which are concurrent.
 */
public final class SocketFleet implements AutoCloseable {

    /**
     * What every connection of a fleet does, called on the fleet's thread. A script that only acts once welcomed
     * (and ignores what arrives) can be a lambda.
     */
    @FunctionalInterface
    public interface Script {
        /** The connection was welcomed. */
        void welcomed(FleetConnection connection);

        /** A text frame arrived (the {@code welcome} excepted), parsed; ignored unless overridden. */
        default void received(FleetConnection connection, JsonNode frame) {
        }

        /** The connection ended: closed by the server, reset, or refused at the handshake. */
        default void ended(FleetConnection connection) {
        }
    }

    private static final int MAX_PENDING_HANDSHAKES = 256;

    // Read by the fleet's connections, as are the counters, the read buffer and handshaking.
    final InetSocketAddress address;
    final IntFunction<String> request;
    final int receiveBuffer;
    final Script script;
    private final int size;
    final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    final AtomicLong welcomed = new AtomicLong();
    final AtomicLong ended = new AtomicLong();
    final AtomicLong unsent = new AtomicLong();
    // Fleet thread only.
    private final List<FleetConnection> connections = new ArrayList<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    int handshaking;
    private long timerSequence;
    private volatile boolean closing;
    private volatile Throwable failure;

    private SocketFleet(ServerNode node, int size, IntFunction<String> request, int receiveBuffer, Script script)
            throws IOException {
        this.address = new InetSocketAddress("127.0.0.1", node.port());
        this.request = request;
        this.receiveBuffer = receiveBuffer;
        this.script = script;
        this.size = size;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "socket-fleet-" + node.id());
        this.thread.setDaemon(true);
    }

    /**
     * Opens {@code size} connections to {@code node} (at most a few hundred handshakes at a time) and returns at
     * once; see {@link #awaitWelcomed}.
     *
     * @param pathAndQuery  the request target of connection {@code i}, e.g. {@code /switchboard/ws?token=...}
     * @param receiveBuffer the sockets' receive buffer in bytes (small for clients that will stop reading), 0: default
     */
    public static SocketFleet open(ServerNode node, int size, IntFunction<String> pathAndQuery, int receiveBuffer,
                                   Script script) {
        try {
            SocketFleet fleet = new SocketFleet(node, size, pathAndQuery, receiveBuffer, script);
            fleet.thread.start();
            return fleet;
        } catch (IOException e) {
            throw new AssertionError("cannot open a selector", e);
        }
    }

    /** {@link #open(ServerNode, int, IntFunction, int, Script)} on {@code /switchboard/ws} with the default buffer. */
    public static SocketFleet open(ServerNode node, int size, Script script) {
        return open(node, size, i -> "/switchboard/ws", 0, script);
    }

    /** Waits until every connection was welcomed; fails naming how the others ended. */
    public void awaitWelcomed(Duration timeout) {
        await("all " + size + " connections welcomed", timeout, () -> welcomed.get() >= size);
    }

    /** Waits until {@code condition} holds; fails with the fleet's counts, or at once if the fleet thread failed. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what + " (last value: the fleet's counts)", timeout, () -> {
            if (failure != null) {
                throw new AssertionError("the socket fleet failed", failure);
            }
            return condition.getAsBoolean() ? null : counts();
        }, counts -> counts == null);
    }

    /** Runs {@code task} on the fleet's thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Frames received by op ({@code error:<code>} for errors), ends by {@code close:<code>}, handshake refusals. */
    public Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        copy.put("welcomed", welcomed.get());
        return copy;
    }

    /** How many frames of {@code key} (see {@link #counts()}) arrived so far. */
    public long count(String key) {
        AtomicLong count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Connections that ended (closed by the server, reset, or refused at the handshake). */
    public long ended() {
        return ended.get();
    }

    public int size() {
        return size;
    }

    /** Bytes the connections were given to send that their sockets have not taken yet (ended ones not counted). */
    public long unsent() {
        return unsent.get();
    }

    /** Closes every connection at once (no close handshake: the node sees the TCP connections end). */
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

    // ---- the fleet thread ----------------------------------------------------------------------------

    private void run() {
        try {
            int next = 0;
            while (!closing) {
                while (next < size && handshaking < MAX_PENDING_HANDSHAKES) {
                    connections.add(new FleetConnection(this, next++));
                }
                long wait = runTimers();
                selector.select(wait);
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((FleetConnection) key.attachment()).ready(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            connections.forEach(FleetConnection::closeSocket);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** Runs {@code task} on the fleet's thread after {@code delay}; fleet thread only. */
    void schedule(Duration delay, Runnable task) {
        timers.add(new Timer(System.nanoTime() + delay.toNanos(), timerSequence++, task));
    }

    /** Runs the timers that are due; returns how long the selector may sleep (0: until woken). */
    private long runTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().due - now <= 0) {
            timers.poll().task.run();
        }
        return timers.isEmpty() ? 0 : Math.max(1, (timers.peek().due - now) / 1_000_000);
    }

    private record Timer(long due, long sequence, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byDue = Long.compare(due - other.due, 0);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }

    /** A masked text frame carrying {@code payload}, ready for {@link FleetConnection#send(byte[])}. */
    public static byte[] encode(byte[] payload) {
        return encode(0x1, payload);
    }

    static byte[] encode(int opcode, byte[] payload) {
        int header = payload.length < 126 ? 6 : payload.length < 65536 ? 8 : 14;
        byte[] frame = new byte[header + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >>> 8);
            frame[3] = (byte) payload.length;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) payload.length >>> (56 - 8 * i));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, frame, header - 4, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[header + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }
}
