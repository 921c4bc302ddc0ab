package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Switchboard's protocol v1, with the v1.1 batched and binary frames when the query asks for them: a
 * message (text or binary, UTF-8 either way) holds one frame, or several separated by {@code '\n'}; each is
 * handled as a message of its own, in order, read in place (a slice, no copy). The server writes {@code op}
 * first in every frame.
 */
final class SwitchboardDialect implements Dialect {
    private static final byte[] EVENT = Scan.bytes("{\"op\":\"event\"");
    private static final byte[] WELCOME = Scan.bytes("{\"op\":\"welcome\"");
    private static final byte[] SUBSCRIBED = Scan.bytes("{\"op\":\"subscribed\"");
    private static final byte[] PING = Scan.bytes("{\"op\":\"ping\"");
    private static final byte[] ERROR = Scan.bytes("{\"op\":\"error\"");
    private static final byte[] DATA = Scan.bytes("\"data\":");

    private final String path;

    SwitchboardDialect(String query) {
        this.path = "/switchboard/ws" + (query.isEmpty() ? "" : "?" + query);
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public void opened(WsClient client) {
        // the server speaks first (welcome)
    }

    @Override
    public void text(WsClient client, ByteBuf message) {
        int start = message.readerIndex();
        int newline = Scan.indexOfNewline(message, start);
        if (newline < 0) {
            frame(client, message);
            return;
        }
        int end = message.writerIndex();
        while (start < end) {
            int stop = newline < 0 ? end : newline;
            if (stop > start) {
                frame(client, message.slice(start, stop - start));
            }
            start = stop + 1;
            newline = Scan.indexOfNewline(message, start);
        }
    }

    /** One frame (a JSON object). */
    private static void frame(WsClient client, ByteBuf frame) {
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
