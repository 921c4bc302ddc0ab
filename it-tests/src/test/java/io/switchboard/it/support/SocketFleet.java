package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
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
public final class SocketFleet extends Fleet<FleetConnection> {

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
    final IntFunction<String> request;
    final Script script;
    final AtomicLong unsent = new AtomicLong();
    // Fleet thread only.
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    int handshaking;
    private long timerSequence;

    private SocketFleet(ServerNode node, int size, IntFunction<String> request, int receiveBuffer, Script script) {
        super("socket fleet", "connections", node, size, receiveBuffer);
        this.request = request;
        this.script = script;
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
        SocketFleet fleet = new SocketFleet(node, size, pathAndQuery, receiveBuffer, script);
        fleet.start();
        return fleet;
    }

    /** {@link #open(ServerNode, int, IntFunction, int, Script)} on {@code /switchboard/ws} with the default buffer. */
    public static SocketFleet open(ServerNode node, int size, Script script) {
        return open(node, size, i -> "/switchboard/ws", 0, script);
    }

    /** Bytes the connections were given to send that their sockets have not taken yet (ended ones not counted). */
    public long unsent() {
        return unsent.get();
    }

    // ---- the fleet thread ----------------------------------------------------------------------------

    @Override
    boolean mayOpenAnother() {
        return handshaking < MAX_PENDING_HANDSHAKES;
    }

    @Override
    FleetConnection open(int index) throws IOException {
        return new FleetConnection(this, index);
    }

    @Override
    long beforeSelect() {
        return runTimers();
    }

    @Override
    void ready(SelectionKey key) {
        ((FleetConnection) key.attachment()).ready(key);
    }

    @Override
    void release(FleetConnection connection) {
        connection.closeSocket();
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
