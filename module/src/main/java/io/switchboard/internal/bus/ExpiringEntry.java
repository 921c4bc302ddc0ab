package io.switchboard.internal.bus;

import java.util.Optional;

/**
 * A value stored with the time it stops counting, as one string: {@code "<expiresAtMillis> <value>"}.
 * Used for entries of a Redis hash, where each field (a node) needs its own expiry but Redis
 * expires only whole keys: the node directory's figures. (Presence leases are checked by
 * {@code presence.lua} itself, against Redis's clock.)
 *
 * <p>The hashes are shared by every node of a namespace and can be written by anything with
 * access to Redis, so {@link #decode} treats text it cannot read as absent instead of failing:
 * one foreign value must not fail a read of all the others.
 */
final class ExpiringEntry {

    private ExpiringEntry() {
    }

    static String encode(long expiresAtMillis, String value) {
        return expiresAtMillis + " " + value;
    }

    /** The value of {@code text} if it is still live at {@code nowMillis}; empty if expired or malformed. */
    static Optional<String> decode(String text, long nowMillis) {
        int space = text == null ? -1 : text.indexOf(' ');
        if (space <= 0) {
            return Optional.empty();
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(text, 0, space, 10);
        } catch (NumberFormatException malformed) {
            return Optional.empty();
        }
        return expiresAt > nowMillis ? Optional.of(text.substring(space + 1)) : Optional.empty();
    }
}
