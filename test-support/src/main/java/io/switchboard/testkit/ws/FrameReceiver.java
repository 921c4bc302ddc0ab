package io.switchboard.testkit.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;

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
            JsonNode frame = parse(text);
            client.received(frame);
            if ("ping".equals(frame.path("op").asText())) {
                client.answer(frame);
            }
        }
        ws.request(1);
        return null;
    }

    private static JsonNode parse(String text) {
        try {
            return Json.parse(text);
        } catch (RuntimeException e) {
            return Json.object().put("op", "unparseable").put("text", text);
        }
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        client.received(Json.object().put("op", "unexpected-binary").put("bytes", data.remaining()));
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
