package io.switchboard.internal.web;

import io.switchboard.internal.session.Identity;
import io.switchboard.internal.security.AdminSessions;
import io.switchboard.internal.security.ClientTokens;
import io.switchboard.internal.security.OriginPolicy;

import java.security.Principal;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Who a handshake speaks for, and whether it may connect at all. Shared by the pre-upgrade
 * {@link HandshakeGuard}, {@link SwitchboardEndpoint#onOpen} and the SSE door ({@link SseServlet}),
 * so all decide alike.
 */
final class Identities {

    /** The decision on one handshake. */
    sealed interface Verdict {
        record Accepted(Identity identity) implements Verdict {
            String user() {
                return identity.user();
            }
        }

        record Refused(int httpStatus, String reason) implements Verdict {
        }
    }

    private final OriginPolicy origins;
    private final Optional<ClientTokens> tokens;
    private final Optional<AdminSessions> adminSessions;

    Identities(OriginPolicy origins, Optional<ClientTokens> tokens) {
        this(origins, tokens, Optional.empty());
    }

    /** @param adminSessions the admin page's login sessions; empty when no API token is configured */
    Identities(OriginPolicy origins, Optional<ClientTokens> tokens, Optional<AdminSessions> adminSessions) {
        this.origins = origins;
        this.tokens = tokens;
        this.adminSessions = adminSessions;
    }

    /**
     * The admin page's socket ({@code ?admin}): the same Origin and Host rules, then the admin
     * session cookie of a login ({@link AdminServlet}) instead of any other identity. Its identity
     * ends when the session expires.
     */
    Verdict decideAdmin(String origin, String host, String adminCookie) {
        if (!origins.allows(origin, host)) {
            return new Verdict.Refused(403, "Origin not allowed (or Host not a public host of this server)");
        }
        if (adminSessions.isEmpty()) {
            return new Verdict.Refused(403, "the admin page is disabled: no API token is configured");
        }
        OptionalLong expiry = adminSessions.get().expiry(adminCookie);
        return expiry.isPresent()
                ? new Verdict.Accepted(Identity.admin(expiry.getAsLong()))
                : new Verdict.Refused(401, "log in to the admin page first");
    }

    /** Whether a browser page from {@code origin} may talk to this server reached as {@code host}. */
    boolean allowsOrigin(String origin, String host) {
        return origins.allows(origin, host);
    }

    /**
     * The {@code Accepted} identity is the container's Principal if any (a login, which ends with
     * its HTTP session), else the token's user until the token's expiry, else anonymous.
     */
    Verdict decide(String origin, String host, Principal principal, String token) {
        if (!origins.allows(origin, host)) {
            return new Verdict.Refused(403, "Origin not allowed (or Host not a public host of this server)");
        }
        if (principal != null) {
            return new Verdict.Accepted(Identity.login(principal.getName()));
        }
        if (token == null) {
            return new Verdict.Accepted(Identity.anonymous());
        }
        if (tokens.isEmpty()) {
            return new Verdict.Refused(401, "client tokens are not enabled (no token secret configured)");
        }
        return tokens.get().claims(token)
                .<Verdict>map(claims -> new Verdict.Accepted(Identity.token(claims.user(), claims.expiryEpochSeconds())))
                .orElseGet(() -> new Verdict.Refused(401, "invalid or expired token"));
    }
}
