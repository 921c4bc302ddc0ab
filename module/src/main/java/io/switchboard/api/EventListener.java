package io.switchboard.api;

/**
 * A server-side listener for a channel's events (see {@link Switchboard#on}).
 *
 * <p>Runs on a bus thread, one event at a time per channel, in offset order. It must not
 * block; an exception it throws is logged and does not affect delivery to clients.
 */
@FunctionalInterface
public interface EventListener {
    void onEvent(ServerEvent event);
}
