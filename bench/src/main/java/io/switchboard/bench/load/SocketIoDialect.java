package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Engine.IO v4 over the websocket transport, carrying Socket.IO v4 packets on the default namespace:
 * {@code 0} open, {@code 2}/{@code 3} ping/pong (the server pings, the client answers), {@code 40} connect,
 * {@code 42[...]} event, {@code 44} connect error, {@code 1} close.
 */
final class SocketIoDialect implements Dialect {
    private static final byte[] EVENT = Scan.bytes("42[\"tick\",");
    private static final byte[] JOINED = Scan.bytes("42[\"joined\"");
    private static final byte[] CONNECTED = Scan.bytes("40");
    private static final byte[] CONNECT_ERROR = Scan.bytes("44");

    @Override
    public String path() {
        return "/socket.io/?EIO=4&transport=websocket";
    }

    @Override
    public void opened(WsClient client) {
        // the server speaks first (the Engine.IO open packet)
    }

    @Override
    public void text(WsClient client, ByteBuf frame) {
        if (!frame.isReadable()) {
            return;
        }
        byte type = frame.getByte(frame.readerIndex());
        switch (type) {
            case '4' -> message(client, frame);
            case '2' -> client.send("3");
            case '0' -> client.send("40");
            case '1' -> client.protocolError("the server closed the Engine.IO session");
            default -> { }
        }
    }

    private static void message(WsClient client, ByteBuf frame) {
        if (Scan.startsWith(frame, EVENT)) {
            client.event(frame, frame.readerIndex() + EVENT.length);
        } else if (Scan.startsWith(frame, JOINED)) {
            client.ready();
        } else if (Scan.startsWith(frame, CONNECT_ERROR)) {
            client.protocolError(frame.toString(StandardCharsets.UTF_8));
        } else if (Scan.startsWith(frame, CONNECTED)) {
            client.send("42[\"join\",\"" + client.channel() + "\"]");
        }
    }
}
