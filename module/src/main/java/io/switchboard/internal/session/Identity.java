package io.switchboard.internal.session;

/**
 * Who a connection speaks for, as decided at the handshake.
 *
 * @param user        the user id, or {@code null} for an anonymous connection
 * @param tokenExpiry for an identity taken from a client token (or an admin session), its expiry
 *                    in epoch seconds (inclusive); {@link #NO_TOKEN} for a container login or no
 *                    identity, whose end is not the token's to decide
 * @param admin       whether the connection is the admin page's: it may subscribe to the
 *                    reserved admin channel, and is nobody's (no user)
 */
public record Identity(String user, long tokenExpiry, boolean admin) {
    public static final long NO_TOKEN = Long.MAX_VALUE;

    public Identity(String user, long tokenExpiry) {
        this(user, tokenExpiry, false);
    }

    public static Identity anonymous() {
        return new Identity(null, NO_TOKEN);
    }

    /** A user the container authenticated (its login, its HTTP session). */
    public static Identity login(String user) {
        return new Identity(user, NO_TOKEN);
    }

    public static Identity token(String user, long expiryEpochSeconds) {
        return new Identity(user, expiryEpochSeconds);
    }

    /** The admin page's socket, until its login session expires (then closed with 4401, as a token's). */
    public static Identity admin(long sessionExpiryEpochSeconds) {
        return new Identity(null, sessionExpiryEpochSeconds, true);
    }

    public boolean fromToken() {
        return tokenExpiry != NO_TOKEN;
    }
}
