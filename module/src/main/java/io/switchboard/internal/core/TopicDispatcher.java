package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.Lineage;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.registry.Registry;
import io.switchboard.internal.registry.Subscriber;
import io.switchboard.internal.logging.LogLimiter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Puts one topic's events in order on this node and hands each, encoded once, to the topic's
 * local subscribers.
 *
 * <p>Sequence numbers are contiguous, so a missing event is visible: when {@code n+2} arrives
 * after {@code n} (pub/sub dropped a message, e.g. during a Redis reconnect), {@code n+2} waits
 * while {@code n+1} is fetched from history; duplicates are dropped.
 *
 * <p><b>Epochs.</b> A newer epoch means the Redis holding the topic changed. Its events wait while
 * history tells where the offset delivered here stands on the topic's line (see
 * {@code bus.Lineage}): if it is still on the line, delivery simply goes on; if this node delivered
 * events the line no longer has, or the line was lost, or events are missing that history no
 * longer holds, every subscriber is told ({@link Subscriber#lost}) before delivery goes on. A
 * message of an older epoch than the one delivered is stale and dropped.
 *
 * <p><b>Concurrency.</b> Work arrives from the bus thread (messages) and from history reads; it is
 * queued in a {@link TopicInbox} and run by one thread at a time: the one that brought it when the
 * topic is idle (for a few subscribers that costs less than waking another), or {@code largeFanouts}
 * for a topic with more than {@link #INLINE_FANOUT} local subscribers. So the state below needs no
 * lock, and none is held while subscribers write to their sockets. At most one history read is in
 * flight. The inbox is bounded: a live message it refuses is read from history, as a gap is.
 * Subscribers write once the inbox is drained ({@link Fanout}): messages already waiting go to each
 * connection in one write.
 */
final class TopicDispatcher {
    private static final Logger log = LoggerFactory.getLogger(TopicDispatcher.class);
    /** Topics are named by clients: what happens per topic is logged at most once a minute per kind. */
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));
    /** History reads retried (a second apart, e.g. while Redis comes back) before what is missing is given up. */
    private static final int MAX_FAILED_READS = 10;
    private static final long RETRY_MILLIS = 1_000;
    /**
     * Bytes of live events a topic holds back while it waits for history (ahead of a gap, or of a
     * newer epoch). Beyond it, newer live events are let go: they are in history, and are read from
     * there once delivery has caught up.
     */
    private static final long MAX_HELD_BYTES = 4L << 20;
    /** Bytes of one history page this dispatcher reads: repairs never pull a whole large history at once. */
    private static final int PAGE_BYTES = 1 << 20;
    /** Local subscribers up to which the thread that brought a message also hands it out (see the class comment). */
    static final int INLINE_FANOUT = 64;

    private final Topic topic;
    private final Registry registry;
    private final Bus bus;
    private final NodeStats stats;
    private final int pageLimit;
    private final ScheduledExecutorService timer;
    private final TopicInbox inbox;
    // Touched only by the thread draining the inbox:
    /** Live events not deliverable yet: ahead of a gap, of a newer epoch, or before the baseline. */
    private final HeldBackEvents held = new HeldBackEvents(MAX_HELD_BYTES);
    /** The newest epoch of the line delivered here, and the seq of the last event delivered. */
    private Offset last;
    private boolean fetching;
    /** Subscribed, the position not read yet: live events are held back (see {@link #awaitBaseline}). */
    private boolean awaitingBaseline;
    /** Live events were let go for want of room (here or in the inbox): read history again once caught up. */
    private boolean shed;
    private int failedReads;
    /** Hands deliveries to the subscribers, who write once the inbox is drained (also counts them). */
    private final Fanout fanout;

    /** Drains on the thread that brings the work, whatever the fan-out. */
    TopicDispatcher(Topic topic, Registry registry, Bus bus, NodeStats stats, int pageLimit, ScheduledExecutorService timer) {
        this(topic, registry, bus, stats, pageLimit, timer, Runnable::run);
    }

    /**
     * @param timer        runs retries of failed history reads (the node's own timer thread)
     * @param largeFanouts drains topics with more than {@link #INLINE_FANOUT} local subscribers; may reject
     */
    TopicDispatcher(Topic topic, Registry registry, Bus bus, NodeStats stats, int pageLimit, ScheduledExecutorService timer,
                    Executor largeFanouts) {
        this.topic = topic;
        this.timer = timer;
        this.registry = registry;
        this.bus = bus;
        this.stats = stats;
        this.pageLimit = pageLimit;
        this.fanout = new Fanout(topic, registry, stats);
        // what queued up while messages kept coming goes out in one write per connection
        this.inbox = new TopicInbox(topic, () -> registry.subscribers(topic).length > INLINE_FANOUT, largeFanouts,
                fanout::flush, this::repairRefused);
    }

    /** A live message: refused when the inbox is full, and then read from history ({@link #repairRefused}). */
    void onMessage(BusMessage message) {
        inbox.offer(() -> accept(message), message.envelope().length());
    }

    /** Subscribing: live events wait for {@link #baseline}, to be placed after it like later ones (gaps seen). */
    void awaitBaseline() {
        run(() -> awaitingBaseline = true);
    }

    /** Where the topic stood when the node subscribed (null: unknown), unless an event already told us more. */
    void baseline(Offset current) {
        run(() -> {
            if (last == null) {
                last = current;
            }
            awaitingBaseline = false;
            held.takeBeforeBaseline().forEach(this::accept);
            repairShed();
        });
    }

    /**
     * The bus subscription was interrupted and is back: fetch from history what was published
     * after the last event delivered here, and deliver it in order before anything newer.
     */
    void resume() {
        run(() -> {
            if (last != null && !fetching) {
                fetch();
            }
        });
    }

    private void run(Runnable task) {
        inbox.run(task);
    }

    /** A live message from the bus. */
    private void accept(BusMessage message) {
        Offset offset = message.offset();
        if (last == null) {
            if (!awaitingBaseline) {
                deliver(message);
            } else {
                shed |= !held.holdBeforeBaseline(message);
            }
            return;
        }
        if (last.isMarker() && offset.isAfter(last)) {
            // The topic had no events when this node subscribed: its line began after that.
            last = new Offset(offset.epoch(), 0);
        }
        if (offset.sameEpoch(last)) {
            if (offset.seq() <= last.seq()) {
                return; // a duplicate: already delivered (e.g. both live and by a repair)
            }
            if (offset.seq() == last.seq() + 1) {
                deliver(message);
                deliverHeldAhead();
                return;
            }
            shed |= !held.holdAhead(message);
        } else if (offset.olderEpochThan(last)) {
            return; // stale: this node already delivers a newer epoch
        } else {
            shed |= !held.holdNewerEpoch(message);
        }
        if (!fetching) {
            stats.gapRepair(); // a gap (or a newer epoch) seen live: history fills it, a page at a time
            fetch();
        }
    }

    /** Reads the history after {@code last}: fills a gap, or places {@code last} on a newer epoch's line. */
    private void fetch() {
        fetching = true;
        Offset from = last;
        bus.history(topic, Optional.of(from), pageLimit, PAGE_BYTES)
                .whenComplete((history, error) -> run(() -> fetched(from, history, error)));
    }

    private void fetched(Offset from, History history, Throwable error) {
        fetching = false;
        if (error != null) {
            if (++failedReads <= MAX_FAILED_READS && retry(from)) {
                return;
            }
            warnings.warn("history-unreadable", "Topic {}: could not read history after {}: {}", topic, from, error.getMessage());
            failedReads = 0;
            skipToHeld("history unreadable: " + error.getMessage());
            return;
        }
        failedReads = 0;
        Lineage.Placement placement = history.placement();
        Offset current = history.current();
        if (!placement.placed() && current.isMarker() && last.isMarker()) {
            // No events then, none now: nothing this node could have delivered or missed.
            last = current;
            held.takeNewerEpoch().forEach(this::accept);
            return;
        }
        if (!placement.placed()) {
            // The line was lost with Redis's data (or is too old to be known): start over at its beginning.
            warnings.warn("line-lost", "Topic {}: its history no longer knows {} (Redis lost it); delivering from the start of {}",
                    topic, from, current.epoch());
            tell(new Offset(current.epoch(), 0));
            refetchIfBehind(current);
            return;
        }
        if (current.isAfter(last) && !current.sameEpoch(last) && !current.isMarker()) {
            if (!placement.onLine()) {
                Offset fork = new Offset(current.epoch(), placement.after());
                warnings.warn("line-diverged", "Topic {}: Redis went back to {} after this node delivered up to {}; continuing from {}",
                        topic, fork, from, fork);
                held.dropAhead();
                tell(fork);
            } else {
                last = new Offset(current.epoch(), last.seq()); // the same line under its newer epoch
            }
        }
        long before = last.seq();
        for (BusMessage message : history.events()) {
            if (message.offset().seq() == last.seq() + 1) {
                deliver(message);
            }
        }
        if (!history.events().isEmpty() && history.events().get(0).offset().seq() > before + 1) {
            // History no longer holds what came between: tell, then go on from what it holds.
            BusMessage first = history.events().get(0);
            lostBetween(before, first.offset().seq(), "trimmed or expired");
            for (BusMessage message : history.events()) {
                if (message.offset().seq() == last.seq() + 1) {
                    deliver(message);
                }
            }
        }
        held.takeNewerEpoch().forEach(this::accept);
        deliverHeldAhead();
        boolean progressed = last.seq() > before;
        if (held.hasAhead() && held.firstAheadSeq() > last.seq() + 1) {
            if (progressed || held.firstAheadSeq() > current.seq() + 1) {
                if (!fetching) {
                    fetch(); // a page at a time, or events published after this read
                }
            } else {
                lostBetween(last.seq(), held.firstAheadSeq(), "no longer in history");
                deliverHeldAhead();
            }
        } else if (last.seq() < current.seq() && progressed && !fetching) {
            fetch(); // the page ended before the current offset
        }
        repairShed();
    }

    /** The inbox refused live messages (it was full): as for any let go, history after {@code last} has them. */
    private void repairRefused() {
        shed = true;
        stats.gapRepair();
        repairShed();
    }

    /** Live events were let go: read them from history once nothing is read or held back (now, or after the read out). */
    private void repairShed() {
        if (shed && last != null && !fetching && !held.waitOnHistory()) {
            shed = false;
            fetch();
        }
    }

    /** Reads again after a pause, on the node's timer; false if the timer no longer runs (the node stops). */
    private boolean retry(Offset from) {
        try {
            fetching = true;
            timer.schedule(() -> run(() -> {
                fetching = false;
                if (last.equals(from) || held.waitOnHistory()) {
                    fetch(); // still needed: nothing delivered since, or events still wait on it
                }
            }), RETRY_MILLIS, TimeUnit.MILLISECONDS);
            return true;
        } catch (RejectedExecutionException stopped) {
            fetching = false;
            return false;
        }
    }

    /** After a lost line: read the new one from its start if this node has not caught up with it. */
    private void refetchIfBehind(Offset current) {
        // Before the new line's first event: its events of any seq follow (a marker, if it has none yet).
        last = current.isMarker() ? current : new Offset(current.epoch(), 0);
        held.dropAhead();
        held.takeNewerEpoch().forEach(this::accept);
        if (!fetching && current.seq() > last.seq()) {
            fetch();
        }
    }

    /** Delivery cannot go on from {@code last}: the events held back are all there is. */
    private void skipToHeld(String why) {
        List<BusMessage> newer = held.takeNewerEpoch();
        if (!newer.isEmpty()) {
            BusMessage first = newer.get(0);
            tell(new Offset(first.offset().epoch(), first.offset().seq() - 1));
            newer.forEach(this::accept);
            return;
        }
        if (held.hasAhead()) {
            lostBetween(last.seq(), held.firstAheadSeq(), why);
            deliverHeldAhead();
        }
    }

    private void lostBetween(long delivered, long next, String why) {
        long lost = next - delivered - 1;
        stats.lostOnBus(lost);
        warnings.warn("events-gone", "Topic {}: {} event(s) after seq {} are not in history ({}); telling subscribers and delivering what follows",
                topic, lost, delivered, why);
        tell(new Offset(last.epoch(), next - 1));
    }

    /** Moves to {@code resumeAt} and tells every subscriber that what follows does not continue what they had. */
    private void tell(Offset resumeAt) {
        last = resumeAt;
        for (Subscriber subscriber : registry.subscribers(topic)) {
            try {
                subscriber.lost(resumeAt);
            } catch (RuntimeException e) {
                log.warn("A subscriber of {} failed on a lost notice", topic, e);
            }
        }
    }

    /** Delivers what was held ahead and is now next (dropping what was delivered meanwhile). */
    private void deliverHeldAhead() {
        BusMessage next;
        while ((next = held.takeAheadUpTo(last.seq() + 1)) != null) {
            if (next.offset().seq() == last.seq() + 1) {
                deliver(next);
            }
        }
    }

    /** Delivers the next event of the line; its own offset may carry an older epoch (history before a change). */
    private void deliver(BusMessage message) {
        Offset offset = message.offset();
        last = last == null || offset.isAfter(last) || offset.sameEpoch(last) ? offset : new Offset(last.epoch(), offset.seq());
        Deliveries.of(message).ifPresent(fanout::deliver);
    }

    /** Live messages waiting in the inbox now. */
    int queuedMessages() {
        return inbox.queuedMessages();
    }

    /** Deliveries of this topic's events to local subscribers since this dispatcher was made. */
    long deliveries() {
        return fanout.deliveries();
    }
}
