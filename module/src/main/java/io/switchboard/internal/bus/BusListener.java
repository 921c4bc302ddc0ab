package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
/**
 * Receives what the bus carries for the topics the node subscribed to. Called on bus threads;
 * must not block.
 */
public interface BusListener {

    /** An event of a subscribed topic. */
    void onMessage(BusMessage message);

    /**
     * The subscription of {@code topic} was interrupted (Redis restarted, a connection was
     * re-established) and is live again: events published in between may not have arrived, and
     * the receiver should fetch them from history.
     */
    default void onResumed(Topic topic) {
    }
}
