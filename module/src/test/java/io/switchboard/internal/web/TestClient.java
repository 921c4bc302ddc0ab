package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.Json;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A WebSocket client on the JDK's HttpClient that records every frame and answers server pings. */
final class TestClient implements WebSocket.Listener, AutoCloseable {
    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;

    TestClient(String uri, String origin) {
        this(uri, origin, java.util.Map.of());
    }

    TestClient(String uri, String origin, java.util.Map<String, String> headers) {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (origin != null) {
            builder.header("Origin", origin);
        }
        headers.forEach(builder::header);
        socket = builder.buildAsync(URI.create(uri), this).join();
    }

    void send(String text) {
        socket.sendText(text, true).join();
    }

    void sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
    }

    JsonNode await(Predicate<JsonNode> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode frame : frames) {
                if (match.test(frame)) {
                    return frame;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no matching frame within 10 s; got " + frames);
    }

    static Predicate<JsonNode> op(String op) {
        return frame -> op.equals(frame.path("op").asText());
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                JsonNode frame = Json.MAPPER.readTree(partial.toString());
                if ("ping".equals(frame.path("op").asText())) {
                    webSocket.sendText("{\"op\":\"pong\"}", true);
                }
                frames.add(frame);
            } catch (Exception e) {
                throw new AssertionError("server sent invalid JSON: " + partial, e);
            } finally {
                partial.setLength(0);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
    }

    @Override
    public void close() {
        socket.abort();
    }
}
