package io.switchboard.internal.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;

/**
 * Refuses a WebSocket handshake before the upgrade: 403 for a foreign Origin (cross-site
 * WebSocket hijacking) or a browser's handshake to a Host that is neither loopback nor a
 * configured public host (DNS rebinding), 401 for a forged or expired token, 400 for a
 * {@code batch} or {@code binary} other than {@code 1} ({@link FrameOptions}). A refused handshake never becomes a
 * connection, so a hostile page learns nothing but the status.
 */
final class HandshakeGuard extends HttpFilter {
    private final transient Identities identities;

    HandshakeGuard(Identities identities) {
        this.identities = identities;
    }

    @Override
    protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Identities.Verdict verdict = request.getParameter(AdminCookie.ADMIN_PARAMETER) != null
                ? identities.decideAdmin(request.getHeader("Origin"), request.getHeader("Host"), AdminCookie.valueIn(request))
                : identities.decide(request.getHeader("Origin"), request.getHeader("Host"),
                        request.getUserPrincipal(), request.getParameter("token"));
        if (verdict instanceof Identities.Verdict.Refused refused) {
            ApiResponses.error(response, refused.httpStatus(),
                    refused.httpStatus() == 403 ? "forbidden" : "unauthorized", refused.reason());
            return;
        }
        try {
            FrameOptions.of(name -> request.getParameterValues(name) == null ? null : List.of(request.getParameterValues(name)));
        } catch (IllegalArgumentException e) {
            ApiResponses.error(response, 400, "bad_request", e.getMessage());
            return;
        }
        chain.doFilter(request, response);
    }
}
