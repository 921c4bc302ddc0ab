package io.switchboard.internal.security;

import io.switchboard.api.ChannelAuthorizer;
import io.switchboard.internal.protocol.ChannelNames;

/**
 * The authorizer in force until the application installs its own: an identified user may use
 * {@code private-<user>} and {@code private-<user>.<anything>} (their own channels) and any
 * {@code presence-*} channel; every other private channel is refused.
 *
 * <p>User ids containing a dot make {@code private-a.b} ambiguous (user {@code a.b}'s own
 * channel, or a sub-channel of user {@code a}), and this rule grants it to both. Applications
 * whose user ids may contain dots install their own {@link ChannelAuthorizer}.
 */
public final class DefaultChannelAuthorizer implements ChannelAuthorizer {
    private static final String PRIVATE = "private-";

    @Override
    public boolean mayAccess(String userId, String channel) {
        if (ChannelNames.isPresence(channel)) {
            return true;
        }
        if (!channel.startsWith(PRIVATE)) {
            return false; // not a channel that asks for authorization; nothing is granted by default
        }
        String rest = channel.substring(PRIVATE.length());
        return rest.equals(userId) || (rest.startsWith(userId) && rest.length() > userId.length() + 1
                && rest.charAt(userId.length()) == '.');
    }
}
