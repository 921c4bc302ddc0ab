package io.switchboard.testkit.ws;

import io.switchboard.testkit.Json;
import io.switchboard.testkit.protocol.ProtocolClient;

import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A WebSocket test client speaking the Switchboard protocol, on the JDK's own WebSocket client; what it
 * records and how tests wait on it is {@link ProtocolClient}'s.
 *
 * <p>Fragmented messages are joined before parsing ({@link FrameReceiver}). Sends are chained so that one
 * starts only after the previous one completed (the JDK client refuses overlapping sends).
 */
public final class WsClient extends ProtocolClient {

    private final Object sendLock = new Object();
    /** Set by the JDK's {@code onOpen} (through the receiver), before any message is delivered. */
    private volatile WebSocket webSocket;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);

    private WsClient(String description) {
        super(description);
    }

    /** Starts a connection to the server at {@code httpBase} (e.g. {@code http://127.0.0.1:8080}): options, then connect. */
    public static WsConnector to(URI httpBase) {
        return new WsConnector(httpBase);
    }

    /**
     * Opens the connection {@code builder} describes and waits for the {@code welcome} frame.
     *
     * @throws WebSocketHandshakeException if the server refused the handshake (its status is in the response)
     */
    static WsClient open(URI uri, WebSocket.Builder builder) throws IOException {
        WsClient client = new WsClient(uri.toString());
        try {
            builder.buildAsync(uri, new FrameReceiver(client)).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException("cannot connect to " + uri, e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("no handshake answer from " + uri + " within 15 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + uri, e);
        }
        try {
            client.awaitWelcome(DEFAULT_TIMEOUT);
        } catch (AssertionError e) {
            client.webSocket.abort();
            throw e;
        }
        return client;
    }

    /** Sends one text frame as it is (it may be invalid JSON on purpose). */
    @Override
    public void send(String text) {
        awaitSent(enqueue(ws -> ws.sendText(text, true)), "text " + Json.abbreviate(text));
    }

    /** Sends one binary frame. */
    public void sendBinary(byte[] bytes) {
        awaitSent(enqueue(ws -> ws.sendBinary(ByteBuffer.wrap(bytes), true)), "binary frame of " + bytes.length + " bytes");
    }

    @Override
    protected void sendPong(String pong) {
        enqueue(socket -> socket.sendText(pong, true));
    }

    @Override
    protected boolean transportOpen() {
        return !webSocket.isInputClosed();
    }

    /** Closes with 1000 (if still open) and waits briefly for the server's close. */
    @Override
    public void close() {
        if (webSocket == null) {
            return;
        }
        if (!webSocket.isOutputClosed()) {
            try {
                enqueue(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye")).get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // already closed by the server, or reset: nothing left to close gracefully
            }
        }
        awaitEnd(Duration.ofSeconds(5));
        webSocket.abort();
    }

    private CompletableFuture<?> enqueue(Function<WebSocket, CompletableFuture<WebSocket>> operation) {
        synchronized (sendLock) {
            CompletableFuture<?> next = lastSend.handle((ignored, error) -> null)
                    .thenCompose(ignored -> operation.apply(webSocket));
            lastSend = next;
            return next;
        }
    }

    private void awaitSent(CompletableFuture<?> sent, String what) {
        try {
            sent.get(DEFAULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError(description() + ": cannot send " + what, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(description() + ": sending " + what + " did not complete", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted sending " + what, e);
        }
    }

    /** Called by the {@link FrameReceiver} once the handshake succeeded, before any message. */
    void opened(WebSocket ws) {
        webSocket = ws;
    }

    /** Called by the {@link FrameReceiver}, one message at a time, in arrival order. */
    void received(String text) {
        onFrame(parse(text));
    }

    /** Called by the {@link FrameReceiver} for a binary message, which the server never sends. */
    void receivedBinary(int bytes) {
        onFrame(Json.object().put("op", "unexpected-binary").put("bytes", bytes));
    }

    void closed(Close status) {
        onClose(status);
    }

    void failed(Throwable error) {
        onFailure(error);
    }
}
