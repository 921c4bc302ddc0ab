package io.switchboard.internal.web;

import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionIds;
import io.switchboard.internal.node.SwitchboardNode;
import io.switchboard.internal.protocol.CloseCodes;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The JSR-356 endpoint: one instance per connection, a thin adapter from container callbacks to
 * the node's {@link Connection}.
 */
final class SwitchboardEndpoint extends Endpoint {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardEndpoint.class);

    private static final String TOMCAT_ABNORMAL_CLOSE_TIMEOUT = "org.apache.tomcat.websocket.ABNORMAL_SESSION_CLOSE_SEND_TIMEOUT";
    private static final Long ABNORMAL_CLOSE_TIMEOUT_MILLIS = 5000L;
    /** Per-session message buffer, in characters (text) or bytes (binary); see onOpen. */
    private static final int MESSAGE_BUFFER_SIZE = 256;

    private final SwitchboardNode node;
    private final Identities identities;
    private final LoginSessions logins;
    private Connection connection; // set in onOpen; read by container callbacks of this session
    private LoginSessions.Login login; // set in onOpen when a container login identifies the connection

    SwitchboardEndpoint(SwitchboardNode node, Identities identities, LoginSessions logins) {
        this.node = node;
        this.identities = identities;
        this.logins = logins;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        // Tomcat waits only 50 ms by default for a stalled write before it drops a connection closed
        // with a code other than 1000, so a slow consumer would never see its 1013 (nor a client
        // its 1007/1009). Other containers ignore the key.
        session.getUserProperties().put(TOMCAT_ABNORMAL_CLOSE_TIMEOUT, ABNORMAL_CLOSE_TIMEOUT_MILLIS);
        // Removed, not read: the session keeps its configuration (a copy per connection) while it is
        // open, and Tomcat copies the configuration's properties into the session's own.
        HandshakeInfo handshake = (HandshakeInfo) config.getUserProperties().remove(HandshakeInfo.KEY);
        session.getUserProperties().remove(HandshakeInfo.KEY);
        Identities.Verdict verdict = handshake == null
                ? new Identities.Verdict.Refused(403, "handshake not seen")
                : handshake.admin()
                ? identities.decideAdmin(handshake.origin(), handshake.host(), handshake.adminCookie())
                : identities.decide(handshake.origin(), handshake.host(), handshake.principal(), handshake.token());
        if (verdict instanceof Identities.Verdict.Refused refused) {
            // Normally refused before the upgrade by HandshakeGuard; this is the second line.
            closeQuietly(session, CloseCodes.POLICY, refused.reason());
            return;
        }
        Identity identity = ((Identities.Verdict.Accepted) verdict).identity();
        connection = node.open(new WebSocketTransport(SessionIds.next(node.config().nodeId()), session, handshake.frames()), identity);
        if (!handshake.admin() && handshake.principal() != null && handshake.httpSession() != null) {
            // The login ends with its HTTP session (logout, timeout): so does this connection.
            login = logins.track(handshake.httpSession(), connection);
        }
        // Partial handlers: the container's per-session buffers stay small and a message is
        // assembled here only when it spans several of them, up to max-frame. Buffers sized for
        // the largest frame would cost every idle connection ~200 KiB of heap.
        // Smaller still than the container's default (8192, which Tomcat allocates as a char[]:
        // 16 KiB per connection): what clients send is a few hundred bytes at most (subscribe,
        // pong, a chat publish), so larger messages merely arrive in more parts. These calls only
        // concern this session, never the application's other endpoints. Tomcat reallocates its
        // buffer at the next message of that kind; Undertow and Jetty do not use these sizes for
        // partial handlers (nothing changes there).
        session.setMaxTextMessageBufferSize(MESSAGE_BUFFER_SIZE);
        session.setMaxBinaryMessageBufferSize(MESSAGE_BUFFER_SIZE);
        FrameAssembler frames = new FrameAssembler(connection, node.config().maxFrameBytes());
        session.addMessageHandler(String.class, (MessageHandler.Partial<String>) frames::text);
        session.addMessageHandler(ByteBuffer.class, (MessageHandler.Partial<ByteBuffer>) frames::binary);
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        if (connection != null) {
            if (login != null) {
                logins.untrack(login, connection);
            }
            node.closed(connection, closeReason == null ? 1005 : closeReason.getCloseCode().getCode());
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        // Resets, timeouts and too-large frames are a client's doing, not a server fault.
        log.debug("WebSocket session {}: {}", session.getId(), error.toString());
    }

    private static void closeQuietly(Session session, int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
        } catch (IOException e) {
            log.debug("Close of refused session failed: {}", e.toString());
        }
    }
}
