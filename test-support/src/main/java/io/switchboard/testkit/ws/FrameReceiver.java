package io.switchboard.testkit.ws;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * What the JDK calls for one {@link WsClient}'s connection: joins fragmented text messages, parses each
 * into a frame for the client (text that is not JSON becomes an {@code unparseable} frame, a binary
 * message an {@code unexpected-binary} one: the test sees what the server sent instead of a lost
 * message), and has the client answer the server's {@code ping}.
 */
final class FrameReceiver extends TextMessageListener {

    private final WsClient client;

    FrameReceiver(WsClient client) {
        this.client = client;
    }

    @Override
    public void onOpen(WebSocket ws) {
        client.opened(ws);
        ws.request(1);
    }

    @Override
    protected void message(String text) {
        client.received(text);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        client.receivedBinary(data.remaining());
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        client.closed(new WsClient.Close(statusCode, reason));
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        client.failed(error);
    }
}
