package io.switchboard.api;

/**
 * Decides whether an identified user may subscribe to (or publish on) a {@code private-*} or
 * {@code presence-*} channel. Install one with {@link Switchboard#authorizeWith}. The default
 * allows any identified user and refuses anonymous connections.
 *
 * <p>Called on the connection's thread for each such request; it must be fast and must not block.
 */
@FunctionalInterface
public interface ChannelAuthorizer {
    boolean mayAccess(String userId, String channel);
}
