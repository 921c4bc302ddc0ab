package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

/**
 * The framing a client speaks: Switchboard's JSON ops, or Engine.IO v4 / Socket.IO v4 packets. Both are read only
 * as far as needed: the kind of frame, then the event's numbers. Called on the client's event loop.
 */
public interface Dialect {

    /** The WebSocket path, with its query. */
    String path();

    /** The WebSocket handshake completed. */
    void opened(WsClient client);

    /** A text or binary message arrived, holding UTF-8 text (the buffer is released by the caller). */
    void text(WsClient client, ByteBuf frame);

    /**
     * Switchboard: welcome → subscribe → subscribed; events are {@code {"op":"event",...,"data":{...}}}.
     *
     * @param query the handshake's query: {@code batch=1&binary=1} as client.js asks (messages may be binary
     *              and hold several frames, one a line), or empty for one text frame per message
     */
    static Dialect switchboard(String query) {
        return new SwitchboardDialect(query);
    }

    /** Socket.IO: {@code 0{..}} → {@code 40} → {@code 40{..}} → {@code 42["join",room]} → {@code 42["joined",room]}. */
    static Dialect socketIo() {
        return new SocketIoDialect();
    }
}
