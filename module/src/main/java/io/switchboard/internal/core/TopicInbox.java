package io.switchboard.internal.core;

import io.switchboard.internal.protocol.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A topic's work, run in arrival order by one thread at a time: whichever finds the inbox idle
 * drains it, so a message that arrives while the topic is idle is handled on the thread that
 * brought it (usually the bus's network thread) without waking another. While {@code large} says
 * the topic has many local subscribers, the drain goes to {@code largeFanouts} instead, so that a
 * long fan-out does not hold up that thread's other connections; at most one drain of a topic
 * waits there at a time ({@code drainQueued}), so its queue holds at most one task per topic.
 *
 * <p>Threading: {@link #run} from any thread; the tasks and {@code afterDrain} never run
 * concurrently, and each sees what the previous ones did.
 */
final class TopicInbox {
    private static final Logger log = LoggerFactory.getLogger(TopicInbox.class);

    private final Topic topic;
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final BooleanSupplier large;
    private final Executor largeFanouts;
    private final Runnable afterDrain;

    /**
     * @param large        whether a drain now should go to {@code largeFanouts}
     * @param largeFanouts runs drains of large topics; may reject (the caller drains then)
     * @param afterDrain   runs each time the inbox was drained, before it is let go
     */
    TopicInbox(Topic topic, BooleanSupplier large, Executor largeFanouts, Runnable afterDrain) {
        this.topic = topic;
        this.large = large;
        this.largeFanouts = largeFanouts;
        this.afterDrain = afterDrain;
    }

    void run(Runnable task) {
        inbox.add(task);
        if (large.getAsBoolean() && drainQueued.compareAndSet(false, true)) {
            try {
                largeFanouts.execute(() -> {
                    drainQueued.set(false);
                    drain();
                });
                return;
            } catch (RejectedExecutionException full) {
                drainQueued.set(false); // stopping, or too many waiting: drain here
            }
        }
        if (!drainQueued.get()) { // else the queued drain takes this task too
            drain();
        }
    }

    private void drain() {
        while (draining.compareAndSet(false, true)) {
            Runnable next;
            try {
                while ((next = inbox.poll()) != null) {
                    try {
                        next.run();
                    } catch (RuntimeException e) {
                        log.warn("Topic {}: dispatch failed", topic, e);
                    }
                }
                afterDrain.run();
            } finally {
                draining.set(false); // also after an Error: a stuck flag would never let the topic be drained again
            }
            if (inbox.isEmpty()) {
                return;
            }
        }
    }
}
