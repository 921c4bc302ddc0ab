package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/** Switchboard's protocol v1. The server writes {@code op} first in every frame. */
final class SwitchboardDialect implements Dialect {
    private static final byte[] EVENT = Scan.bytes("{\"op\":\"event\"");
    private static final byte[] WELCOME = Scan.bytes("{\"op\":\"welcome\"");
    private static final byte[] SUBSCRIBED = Scan.bytes("{\"op\":\"subscribed\"");
    private static final byte[] PING = Scan.bytes("{\"op\":\"ping\"");
    private static final byte[] ERROR = Scan.bytes("{\"op\":\"error\"");
    private static final byte[] DATA = Scan.bytes("\"data\":");

    @Override
    public String path() {
        return "/switchboard/ws";
    }

    @Override
    public void opened(WsClient client) {
        // the server speaks first (welcome)
    }

    @Override
    public void text(WsClient client, ByteBuf frame) {
        if (Scan.startsWith(frame, EVENT)) {
            int data = Scan.indexOf(frame, DATA, frame.readerIndex() + EVENT.length);
            client.event(frame, data < 0 ? frame.readerIndex() : data);
        } else if (Scan.startsWith(frame, PING)) {
            client.send("{\"op\":\"pong\"}");
        } else if (Scan.startsWith(frame, WELCOME)) {
            client.send("{\"op\":\"subscribe\",\"channel\":\"" + client.channel() + "\",\"id\":1}");
        } else if (Scan.startsWith(frame, SUBSCRIBED)) {
            client.ready();
        } else if (Scan.startsWith(frame, ERROR)) {
            client.protocolError(frame.toString(StandardCharsets.UTF_8));
        }
        // pong, published, unsubscribed: nothing to do
    }
}
