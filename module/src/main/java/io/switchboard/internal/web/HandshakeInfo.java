package io.switchboard.internal.web;

import jakarta.servlet.http.HttpSession;

import java.security.Principal;

/**
 * What the server needs to remember of a WebSocket handshake once the connection is open.
 * Captured by {@link HandshakeCapture}, read by {@link SwitchboardEndpoint#onOpen}.
 *
 * @param httpSession the HTTP session the handshake belonged to, or {@code null}; with a
 *                    {@code principal} it is the login the connection's identity rests on
 * @param admin       whether the handshake asked to be the admin page's socket ({@code ?admin})
 * @param adminCookie the admin session cookie's value sent with it, or {@code null}
 * @param frames      how the client asked its frames to be written ({@code ?batch=1}, {@code ?binary=1})
 */
record HandshakeInfo(String origin, String host, Principal principal, String token, HttpSession httpSession,
                     boolean admin, String adminCookie, FrameOptions frames) {
    static final String KEY = HandshakeInfo.class.getName();
}
