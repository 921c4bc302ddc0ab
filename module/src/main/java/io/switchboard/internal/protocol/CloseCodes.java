package io.switchboard.internal.protocol;

/** The WebSocket close codes the server uses, with their meaning in this protocol. */
public final class CloseCodes {
    /** Server going away: shutdown, undeploy, drain, or a client silent for two heartbeats. */
    public static final int GOING_AWAY = 1001;
    /** Policy violation: authentication or Origin refused. */
    public static final int POLICY = 1008;
    /** A frame over the configured inbound limit. */
    public static final int TOO_LARGE = 1009;
    /** An unexpected server error on this connection. */
    public static final int INTERNAL_ERROR = 1011;
    /** Try again later: the client did not keep up (its send queue overflowed) or the node is overloaded. */
    public static final int TRY_AGAIN_LATER = 1013;

    /**
     * The identity the connection was opened with expired (client token not refreshed in time) or
     * was revoked (the HTTP session that authenticated it ended). The client may reconnect with a
     * fresh token or after logging in again.
     */
    public static final int IDENTITY_EXPIRED = 4401;

    /**
     * Disconnected by the application (server-side control: every session of a user closed, from
     * any node). The client does not reconnect by itself.
     */
    public static final int DISCONNECTED = 4403;

    private CloseCodes() {
    }
}
