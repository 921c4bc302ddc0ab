package io.switchboard.api;

/**
 * Decides whether an identified user may subscribe to (or publish on) a {@code private-*} or
 * {@code presence-*} channel. Install one with {@link Switchboard#authorizeWith}. Anonymous
 * connections are refused before it is asked. The default
 * ({@link io.switchboard.internal.security.DefaultChannelAuthorizer}) lets a user have their own channels,
 * {@code private-<user>} and {@code private-<user>.<anything>}, and every {@code presence-*}
 * channel; any other private channel needs an authorizer of the application's.
 *
 * <p>Called on the connection's thread for each such request; it must be fast and must not block.
 */
@FunctionalInterface
public interface ChannelAuthorizer {
    boolean mayAccess(String userId, String channel);
}
