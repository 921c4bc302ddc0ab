package io.switchboard.internal.web;

import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.session.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A JSR-356 session as a {@link Transport}: frames are asynchronous {@code sendText} calls (or
 * {@code sendBinary}, for a client that asked for binary frames), the close is the container's
 * close frame.
 *
 * <p><b>Wire.</b> As the client negotiated in its handshake ({@link FrameOptions}): one frame is
 * one WebSocket message; a batch (only for a client that asked, {@code ?batch=1}) is one message
 * holding its frames joined by {@code '\n'}. Text messages carry the frames' text; binary ones
 * ({@code ?binary=1}) their UTF-8 bytes, which an event's frame encodes once per node: a single
 * frame's cached bytes are wrapped without copying, so the container does no per-session
 * encoding. Only the standard API is used.
 *
 * <p>The session has at most one send in flight (the transport contract), so one
 * {@link SendHandler} serves every send: it reads the completion of the send in flight, stored
 * before the send is started (the container's callback happens after the call began).
 */
final class WebSocketTransport implements Transport {
    private static final byte NEWLINE = '\n';

    private final String id;
    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final FrameOptions options;
    private final SendHandler onResult = this::onResult;
    private volatile Completion inFlight; // the completion of the one send in flight

    WebSocketTransport(String id, Session session, FrameOptions options) {
        this.id = id;
        this.session = session;
        this.remote = session.getAsyncRemote();
        this.options = options;
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
    public boolean batches() {
        return options.batch();
    }

    @Override
    public void send(List<OutboundFrame> frames, Completion done) {
        inFlight = done;
        if (options.binary()) {
            remote.sendBinary(binary(frames), onResult);
        } else {
            remote.sendText(text(frames), onResult);
        }
    }

    /** The frames as one text message: a single frame as it is, a batch joined by '\n'. */
    static String text(List<OutboundFrame> frames) {
        if (frames.size() == 1) {
            return frames.get(0).text();
        }
        int length = frames.size() - 1;
        for (OutboundFrame frame : frames) {
            length += frame.length();
        }
        StringBuilder joined = new StringBuilder(length);
        for (OutboundFrame frame : frames) {
            if (!joined.isEmpty()) {
                joined.append('\n');
            }
            joined.append(frame.text());
        }
        return joined.toString();
    }

    /** The frames as one binary message: a single frame's cached bytes, unshared only in position; a batch copied once. */
    static ByteBuffer binary(List<OutboundFrame> frames) {
        if (frames.size() == 1) {
            return ByteBuffer.wrap(frames.get(0).utf8());
        }
        int length = frames.size() - 1;
        for (OutboundFrame frame : frames) {
            length += frame.utf8().length;
        }
        ByteBuffer joined = ByteBuffer.allocate(length);
        for (OutboundFrame frame : frames) {
            if (joined.position() > 0) {
                joined.put(NEWLINE);
            }
            joined.put(frame.utf8());
        }
        return joined.flip();
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
