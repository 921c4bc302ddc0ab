package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.channels.SelectionKey;
import java.util.concurrent.atomic.AtomicLong;

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
 * <p>Threading: streams and scripts belong to the fleet's thread; other threads hand it work with
 * {@link #execute(Runnable)} and read only the counters, which are concurrent.
 */
public final class SseFleet extends Fleet<SseStream> {

    /**
     * What every stream of a fleet does, called on the fleet's thread. A script that only acts once welcomed (and
     * ignores what arrives) can be a lambda.
     */
    @FunctionalInterface
    public interface Script {
        /** The stream's {@code welcome} arrived: its requests may be POSTed. */
        void welcomed(SseStream stream);

        /** A frame arrived on the stream (the {@code welcome} excepted), parsed; ignored unless overridden. */
        default void received(SseStream stream, JsonNode frame) {
        }

        /** The answer to one of the stream's POSTs, in the order they were sent. */
        default void posted(SseStream stream, int status) {
        }
    }

    private static final int MAX_PENDING_OPENS = 128;
    /** The selector's longest wait in a round of the fleet's thread (SSE streams set no timers). */
    private static final long SELECT_MILLIS = 100;

    // Read by the fleet's streams, as are the counters and opening.
    final String origin;
    final Script script;
    final AtomicLong unanswered = new AtomicLong();
    // Fleet thread only.
    int opening;

    private SseFleet(ServerNode node, int size, int receiveBuffer, Script script) {
        super("SSE fleet", "streams", node, size, receiveBuffer);
        this.origin = "http://127.0.0.1:" + node.port();
        this.script = script;
    }

    /**
     * Opens {@code size} anonymous streams to {@code node} and returns at once; see {@link #awaitWelcomed}.
     *
     * @param receiveBuffer the streams' receive buffer in bytes (small for streams that will stop reading), 0: default
     */
    public static SseFleet open(ServerNode node, int size, int receiveBuffer, Script script) {
        SseFleet fleet = new SseFleet(node, size, receiveBuffer, script);
        fleet.start();
        return fleet;
    }

    /** POSTs sent whose answer has not arrived yet (lost ones not counted). */
    public long unanswered() {
        return unanswered.get();
    }

    /** A socket to the node, registered with the fleet's selector; fleet thread only. */
    HttpSocket socket(int receiveBuffer, boolean counted, HttpResponses.Listener listener, Runnable onEnd) {
        return new HttpSocket(selector, address, readBuffer, receiveBuffer, counted, listener, onEnd);
    }

    // ---- the fleet thread ----------------------------------------------------------------------------

    @Override
    boolean mayOpenAnother() {
        return opening < MAX_PENDING_OPENS;
    }

    @Override
    SseStream open(int index) {
        return new SseStream(this, index);
    }

    @Override
    long beforeSelect() {
        return SELECT_MILLIS;
    }

    @Override
    void ready(SelectionKey key) {
        ((HttpSocket) key.attachment()).ready(key);
    }

    @Override
    void release(SseStream stream) {
        stream.closeSockets();
    }
}
