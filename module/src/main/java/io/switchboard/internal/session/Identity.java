package io.switchboard.internal.session;

/**
 * Who a connection speaks for, as decided at the handshake.
 *
 * @param user        the user id, or {@code null} for an anonymous connection
 * @param tokenExpiry for an identity taken from a client token, the token's expiry in epoch
 *                    seconds (inclusive); {@link #NO_TOKEN} for a container login or no identity,
 *                    whose end is not the token's to decide
 */
public record Identity(String user, long tokenExpiry) {
    public static final long NO_TOKEN = Long.MAX_VALUE;

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

    public boolean fromToken() {
        return tokenExpiry != NO_TOKEN;
    }
}
