package io.switchboard.internal.web;

import io.switchboard.internal.session.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A JSR-356 session as a {@link Transport}: frames are asynchronous {@code sendText} calls, the
 * close is the container's close frame.
 *
 * <p>The session has at most one send in flight (the transport contract), so one
 * {@link SendHandler} serves every send: it reads the completion of the send in flight, stored
 * before {@code sendText} is called (the container's callback happens after the call began).
 */
final class WebSocketTransport implements Transport {
    private final String id;
    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final SendHandler onResult = this::onResult;
    private volatile Completion inFlight; // the completion of the one send in flight

    WebSocketTransport(String id, Session session) {
        this.id = id;
        this.session = session;
        this.remote = session.getAsyncRemote();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "websocket";
    }

    @Override
    public void send(String frame, Completion done) {
        inFlight = done;
        remote.sendText(frame, onResult);
    }

    private void onResult(jakarta.websocket.SendResult result) {
        inFlight.sent(result.isOK() ? null : result.getException());
    }

    @Override
    public boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
