package io.switchboard.testkit.ws;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * What the JDK calls for one {@link WsClient}'s connection: joins fragmented text messages, parses each
 * into a frame for the client (text that is not JSON becomes an {@code unparseable} frame, a binary
 * message an {@code unexpected-binary} one: the test sees what the server sent instead of a lost
 * message), and has the client answer the server's {@code ping}.
 *
 * <p>Threading: the JDK calls it one message at a time, so {@link #partial} needs no lock.
 */
final class FrameReceiver implements WebSocket.Listener {

    private final WsClient client;
    private final StringBuilder partial = new StringBuilder();

    FrameReceiver(WsClient client) {
        this.client = client;
    }

    @Override
    public void onOpen(WebSocket ws) {
        client.opened(ws);
        ws.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            client.received(text);
        }
        ws.request(1);
        return null;
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
