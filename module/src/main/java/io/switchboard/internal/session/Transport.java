package io.switchboard.internal.session;

import io.switchboard.internal.protocol.OutboundFrame;

import java.util.List;

/**
 * What a {@link ClientSession} writes its frames to: one client connection, whatever carries it
 * (a WebSocket, a Server-Sent Events stream). The session keeps the protocol's guarantees (a
 * bounded queue, one send in flight, close once); a transport only moves text.
 *
 * <p><b>Batches.</b> One send carries one frame, or several in order when the transport
 * {@link #batches} (each still a complete frame on the wire: joined by {@code '\n'} in one
 * WebSocket message for a client that asked for batches, one SSE message each in one write). A
 * transport that does not batch gets exactly one frame per send.
 *
 * <p><b>Contract.</b> {@link #send} is called with at most one send in flight: the next call comes
 * only after {@code done} ran. It never blocks; {@code done} may run on the calling thread before
 * {@code send} returns, or later on another. {@link #close} may block (the session calls it on a
 * thread of its own) and is called once; a send in flight when it is called completes or fails.
 */
public interface Transport {

    /** The end of one send: {@code error} is null when the frame was handed to the network. */
    @FunctionalInterface
    interface Completion {
        void sent(Throwable error);
    }

    /** This connection's session id in the cluster ({@link SessionIds}), chosen when it opened. */
    String id();

    /** What carries the connection, as named on the wire and in figures: {@code websocket}, {@code sse}. */
    String kind();

    /**
     * Starts writing {@code frames} (a non-empty, unmodifiable list; one frame unless
     * {@link #batches}) as one write; see the class contract. {@code done} runs once for all of them.
     */
    void send(List<OutboundFrame> frames, Completion done);

    /** Whether one send may carry several frames (see the class comment); false unless the client agreed. */
    default boolean batches() {
        return false;
    }

    /** Whether the connection can still carry frames. */
    boolean isOpen();

    /** Ends the connection, telling the client {@code code} and {@code reason} if it still can. */
    void close(int code, String reason);

    /**
     * The secret a client proves it holds this session with, for transports whose requests travel
     * apart from the connection (SSE: each request is a POST, to any node); null when requests
     * arrive on the connection itself.
     */
    default String secret() {
        return null;
    }

    /**
     * A frame that carries nothing, written when the connection has been quiet for half a heartbeat
     * so that proxies which end idle responses keep it open; null when the transport needs none (the
     * WebSocket's own pings and pongs suffice). Passed back to {@link #send} as it is.
     */
    default OutboundFrame keepAlive() {
        return null;
    }
}
