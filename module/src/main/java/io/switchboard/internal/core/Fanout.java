package io.switchboard.internal.core;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Registry;
import io.switchboard.internal.registry.Subscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands one topic's deliveries to its local subscribers, and tells them to write
 * ({@link Subscriber#deliverBeforeFlush}, then {@link Subscriber#flush}) once per run of deliveries rather than once per delivery: when
 * several of the topic's messages were already waiting, each connection queues all of them and
 * then writes them as one batch. Nothing waits for more to come: the run ends when the dispatcher
 * has nothing more to hand on ({@link TopicDispatcher}'s inbox is empty), or after
 * {@link #MAX_RUN} deliveries, so that a long history page does not hold the first frames back.
 * Order is untouched: frames are queued in delivery order, only the write comes later.
 *
 * <p><b>Threading.</b> Called only by the thread draining the dispatcher's inbox (one at a time);
 * {@link #deliveries} is read by the node's timer.
 */
final class Fanout {
    private static final Logger log = LoggerFactory.getLogger(Fanout.class);
    /** Deliveries after which the subscribers write even though more are waiting. */
    static final int MAX_RUN = 32;

    private final Topic topic;
    private final Registry registry;
    private final NodeStats stats;
    /** The subscribers delivered to since they last wrote (the registry's array, replaced on every change); or null. */
    private Subscriber[] unflushed;
    private int run;
    /** Deliveries to this topic's subscribers so far; one writer at a time (the draining thread). */
    private volatile long deliveries;

    Fanout(Topic topic, Registry registry, NodeStats stats) {
        this.topic = topic;
        this.registry = registry;
        this.stats = stats;
    }

    /** Queues {@code delivery} with every subscriber; they write at the next {@link #flush}. */
    void deliver(Delivery delivery) {
        Subscriber[] subscribers = registry.subscribers(topic);
        if (unflushed != null && unflushed != subscribers) {
            flush(); // the subscribers changed: those delivered to so far write now
        }
        for (Subscriber subscriber : subscribers) {
            try {
                subscriber.deliverBeforeFlush(delivery);
            } catch (RuntimeException e) {
                log.warn("A subscriber of {} failed on event {}", topic, delivery.offset(), e);
            }
        }
        stats.delivered(subscribers.length);
        if (subscribers.length > 0) {
            deliveries += subscribers.length; // one writer at a time (see the field)
            long publishedAt = delivery.envelope().publishedAt();
            if (publishedAt > 0) {
                stats.deliveryLag(publishedAt);
            }
            unflushed = subscribers;
            if (++run >= MAX_RUN) {
                flush();
            }
        }
    }

    /** Lets every subscriber delivered to since the last flush write what it queued. */
    void flush() {
        Subscriber[] subscribers = unflushed;
        unflushed = null;
        run = 0;
        if (subscribers == null) {
            return;
        }
        for (Subscriber subscriber : subscribers) {
            try {
                subscriber.flush();
            } catch (RuntimeException e) {
                log.warn("A subscriber of {} failed to write", topic, e);
            }
        }
    }

    long deliveries() {
        return deliveries;
    }
}
