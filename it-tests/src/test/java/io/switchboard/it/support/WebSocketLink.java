package io.switchboard.it.support;

import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.TextMessageListener;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A {@link ClientLink} over the JDK's WebSocket client; sends are chained (the JDK refuses overlapping ones). */
final class WebSocketLink extends TextMessageListener implements ClientLink {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Events events;
    private volatile WebSocket socket;
    private volatile boolean opened;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null); // guarded by this

    private WebSocketLink(Events events) {
        this.events = events;
    }

    static WebSocketLink open(ServerNode node, Events events) {
        WebSocketLink link = new WebSocketLink(events);
        HTTP.newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .header("Origin", "http://127.0.0.1:" + node.port())
                .buildAsync(URI.create("ws://127.0.0.1:" + node.port() + "/switchboard/ws"), link)
                .whenComplete((ws, error) -> {
                    if (error != null && !link.opened) {
                        events.failed(link, "error " + error);
                    }
                });
        return link;
    }

    @Override
    public synchronized void send(String text) {
        WebSocket ws = socket;
        lastSend = lastSend.handle((ignored, error) -> null).thenCompose(ignored -> ws.sendText(text, true));
    }

    @Override
    public void abort() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
    }

    @Override
    public void onOpen(WebSocket ws) {
        socket = ws;
        opened = true;
        events.opened(this);
        ws.request(1);
    }

    @Override
    protected void message(String text) {
        events.frame(this, Json.parse(text));
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        events.closed(this, statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        events.closed(this, "error " + error);
    }
}
