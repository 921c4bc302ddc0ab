package io.switchboard.internal.registry;

import io.switchboard.internal.protocol.Offset;

/**
 * Something on this node that receives a topic's events: a client's subscription or a
 * server-side listener. Called by the topic's dispatcher, in offset order, one at a time; it
 * must not block (a client subscription only enqueues the frame).
 */
public interface Subscriber {
    void deliver(Delivery delivery);

    /**
     * Like {@link #deliver}, but a subscriber that writes to a connection may queue the frame and
     * write only at the next {@link #flush}: the dispatcher calls {@code flush} after a run of
     * deliveries (see {@code core.Fanout}), so the run goes out as one batch.
     */
    default void deliverBeforeFlush(Delivery delivery) {
        deliver(delivery);
    }

    /** Writes what {@link #deliverBeforeFlush} queued; nothing for a subscriber that does its work at once. */
    default void flush() {
    }

    /**
     * The topic's history no longer matches what was delivered here, or events were missed that
     * it no longer holds: what follows continues after {@code resumeAt}. A client is told
     * ({@code recovered: false}); a listener that keeps no position may ignore it.
     */
    default void lost(Offset resumeAt) {
    }
}
