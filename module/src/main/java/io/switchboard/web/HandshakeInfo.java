package io.switchboard.web;

import java.security.Principal;

/**
 * What the server needs to remember of a WebSocket handshake once the connection is open.
 * Captured by {@link HandshakeCapture}, read by {@link SwitchboardEndpoint#onOpen}.
 */
record HandshakeInfo(String origin, String host, Principal principal, String token) {
    static final String KEY = HandshakeInfo.class.getName();
}
