package io.switchboard.internal.core;

import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
 * <p><b>Bounded.</b> Bus messages ({@link #offer}) wait here at most {@link #MAX_MESSAGES} and
 * {@link #MAX_BYTES} at a time: a publisher flooding a topic whose drain falls behind cannot make
 * the node hold more. A message beyond the bound is refused and {@code repairRefused} queued in its
 * place, once until it runs: like a message pub/sub dropped, it is then read from history (it is
 * there: it was published to the topic's history before pub/sub carried it). The topic's own work
 * ({@link #run}: history answers, retries, resumes, that repair) is never refused; there is at
 * most one of each kind in flight, so it stays small by itself.
 *
 * <p>Threading: {@link #run} and {@link #offer} from any thread; the tasks and {@code afterDrain}
 * never run concurrently, and each sees what the previous ones did.
 */
final class TopicInbox {
    private static final Logger log = LoggerFactory.getLogger(TopicInbox.class);
    /** A publisher decides how often a topic overflows: logged at most once a minute. */
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));
    /**
     * Bus messages a topic holds waiting for its drain. Enough for a drain that falls behind for a
     * moment (a pause of the fan-out pool, a burst of a few thousand events) to catch up without a
     * history read; beyond it, a topic falling further behind would only grow the node's heap, and
     * history repairs in pages instead.
     */
    static final int MAX_MESSAGES = 4096;
    /**
     * Characters of bus messages a topic holds waiting for its drain, whatever their number: as many
     * as a topic holds back while it waits for history ({@code TopicDispatcher}), so a flood of large
     * events is bounded in memory too. One message is always taken, whatever its size.
     */
    static final long MAX_BYTES = 4L << 20;

    private final Topic topic;
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final BooleanSupplier large;
    private final Executor largeFanouts;
    private final Runnable afterDrain;
    private final Runnable repairRefused;
    /** {@code repairRefused} waits in the inbox: the messages refused since are covered by it. */
    private final AtomicBoolean repairQueued = new AtomicBoolean();
    /** Bus messages waiting, and their characters; guarded by {@code counts}. */
    private final Object counts = new Object();
    private int queuedMessages;
    private long queuedBytes;

    /**
     * @param large        whether a drain now should go to {@code largeFanouts}
     * @param largeFanouts runs drains of large topics; may reject (the caller drains then)
     * @param afterDrain    runs each time the inbox was drained, before it is let go
     * @param repairRefused runs (as the topic's work) after messages were refused: reads them from history
     */
    TopicInbox(Topic topic, BooleanSupplier large, Executor largeFanouts, Runnable afterDrain, Runnable repairRefused) {
        this.topic = topic;
        this.large = large;
        this.largeFanouts = largeFanouts;
        this.afterDrain = afterDrain;
        this.repairRefused = repairRefused;
    }

    /**
     * Queues the handling of a bus message of {@code chars} characters, unless the inbox already
     * holds {@link #MAX_MESSAGES} of them or this one would take it past {@link #MAX_BYTES}: then
     * {@code repairRefused} is queued instead (unless it already waits).
     *
     * @return false if refused
     */
    boolean offer(Runnable message, int chars) {
        boolean full;
        synchronized (counts) {
            full = queuedMessages >= MAX_MESSAGES || (queuedMessages > 0 && queuedBytes + chars > MAX_BYTES);
            if (!full) {
                queuedMessages++;
                queuedBytes += chars;
            }
        }
        if (full) {
            if (repairQueued.compareAndSet(false, true)) {
                warnings.warn("inbox-full", "Topic {}: events arrive faster than they are handed out (at most {} events or {} characters wait); "
                        + "reading the rest from history", topic, MAX_MESSAGES, MAX_BYTES);
                run(() -> {
                    repairQueued.set(false); // a message refused from now on needs a repair after this one
                    repairRefused.run();
                });
            }
            return false;
        }
        run(() -> {
            taken(chars);
            message.run();
        });
        return true;
    }

    private void taken(int chars) {
        synchronized (counts) {
            queuedMessages--;
            queuedBytes -= chars;
        }
    }

    /** Bus messages waiting now (offered, not yet taken by a drain). */
    int queuedMessages() {
        synchronized (counts) {
            return queuedMessages;
        }
    }

    /** Queues the topic's own work (never refused). */
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
