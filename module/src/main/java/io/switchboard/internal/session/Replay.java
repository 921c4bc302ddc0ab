package io.switchboard.internal.session;

import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Reader;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.core.Deliveries;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.registry.Delivery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The history part of one {@code subscribe}: reads the events after {@code since} from the bus a
 * page at a time and hands each page to the subscription once the session's queue has drained,
 * then lets the subscription go live.
 *
 * <p><b>Bounds.</b> A page holds at most what the session's queue has room for, by frames and by
 * bytes (half the queue, see {@link ClientSession#replayRoom}), so neither the Redis reply nor
 * this node holds a whole large history for one client. A connection replaying several channels
 * reads one page at a time ({@link ClientSession#awaitReplayTurn}), so their pages cannot
 * together overflow the room each was sized for. Each page's bytes are granted by the
 * node's {@link ReplayBudget} before it is read and given back once the page has left the queue
 * (or the subscription ended), so all replays together hold at most that budget.
 *
 * <p><b>Where it ends.</b> At {@code target}, the topic's offset at the first read: live events
 * after it were held back by the subscription, which was registered before that read, so later
 * pages leave them out and the {@code subscribed} frame comes right after the last event up to
 * the offset it reports. The replay is {@code recovered} if the first page's verdict was
 * ({@link History#recovered}: the offset is on the topic's line, nothing acknowledged since can
 * have been lost, history still held what follows it) and every later page continued the one
 * before up to the target. An unsubscribe stops it at the next page ({@code recovered: false}).
 *
 * <p><b>Threading.</b> Steps run one after another (a page is read only after the previous one
 * was queued, each with the connection's replay turn, which every way out of a step ends), on
 * bus threads, the container's send-completion threads or the node's timer.
 * {@code held} is guarded by {@code this}; the other mutable fields are touched by one step at
 * a time, each step starting after the previous one's completion.
 */
final class Replay {
    private final Reader reader;
    private final NodeStats stats;
    private final Topic topic;
    private final ClientSession session;
    private final ChannelSubscription subscription;
    private final ReplayBudget budget;
    private final int historySize;
    private final Optional<Offset> since;
    private final BiFunction<Offset, Boolean, String> subscribedFrame;
    private final Consumer<Throwable> failed;
    private long held; // guarded by this: bytes granted by the budget and not given back; -1 once ended
    private Offset target;
    private Offset cursor;
    private boolean gap;
    private boolean verdict;
    private long sentEvents; // of the pages queued so far, for the replay metrics
    private long sentBytes;

    /**
     * @param subscribedFrame builds the {@code subscribed} frame from the offset and {@code recovered}
     * @param failed          called once if a page cannot be read (bus down, budget spent)
     */
    Replay(Reader reader, NodeStats stats, Topic topic, ClientSession session, ChannelSubscription subscription, ReplayBudget budget,
           int historySize, Optional<Offset> since, BiFunction<Offset, Boolean, String> subscribedFrame,
           Consumer<Throwable> failed) {
        this.reader = reader;
        this.stats = stats;
        this.topic = topic;
        this.session = session;
        this.subscription = subscription;
        this.budget = budget;
        this.historySize = historySize;
        this.since = since;
        this.cursor = since.orElse(null);
        this.subscribedFrame = subscribedFrame;
        this.failed = failed;
    }

    /** Reads the first page (or, without {@code since}, only the current offset). */
    void start() {
        start(Optional.empty());
    }

    /**
     * Like {@link #start()}; without {@code since}, a {@code known} position is answered as is, with
     * no read. It must be one this subscription receives every later event of (the position the
     * node's bus subscription began at, for the subscriber that began it).
     */
    void start(Optional<Offset> known) {
        subscription.whenCancelled(this::end);
        if (since.isEmpty() && known.isPresent()) {
            finish(known.get(), true);
            return;
        }
        if (since.isEmpty()) {
            read(Optional.empty(), 0, 0).whenComplete((history, error) -> {
                if (error != null) {
                    fail(error);
                } else {
                    finish(history.current(), true);
                    subscription.forgetCancelHook(); // nothing was held: the replay is over
                }
            });
            return;
        }
        session.awaitReplayTurn(this::nextPage);
    }

    /** Runs with this connection's replay turn, which every way out of it ends. */
    private void nextPage() {
        giveBack();
        if (target != null && subscription.unsubscribing()) {
            finish(target, false); // the client left the channel: no more pages, answer in order
            session.endReplayTurn();
            return;
        }
        long bytes = Math.min(session.replayByteRoom(), budget.capacity());
        int events = Math.min(historySize, session.replayRoom());
        budget.acquire(bytes).whenComplete((granted, refused) -> {
            if (refused != null) {
                fail(refused);
                session.endReplayTurn();
                return;
            }
            if (!hold(granted)) {
                session.endReplayTurn();
                return; // the subscription ended while waiting
            }
            read(Optional.of(cursor), events, granted).whenComplete((history, error) -> {
                try {
                    if (error != null) {
                        fail(error);
                    } else {
                        onPage(history);
                    }
                } finally {
                    session.endReplayTurn();
                }
            });
        });
    }

    private CompletionStage<History> read(Optional<Offset> from, int events, long bytes) {
        return reader.page(topic, from, events, bytes);
    }

    private void onPage(History page) {
        boolean first = target == null;
        if (first) {
            target = page.current();
            verdict = page.recovered(); // the bus's rule: on the line, nothing lost, still in history
        } else if (!page.gapless()) {
            gap = true; // something between the last page and this one is no longer in history
        }
        // Events are positions on the topic's line: seq numbers go on across epoch changes (an
        // event may carry the epoch it was published in, older than the target's).
        List<Delivery> deliveries = new ArrayList<>(page.events().size());
        long bytes = 0;
        for (BusMessage message : page.events()) {
            if (message.offset().seq() > target.seq()) {
                break; // published after the first read: the subscription holds it back as a live event
            }
            Optional<Delivery> delivery = Deliveries.of(message);
            if (delivery.isPresent()) {
                deliveries.add(delivery.get());
                bytes += delivery.get().frame().length();
            }
        }
        keepOnly(bytes);
        if (!subscription.replayPage(deliveries)) {
            return; // cancelled: end() has given the bytes back
        }
        sentEvents += deliveries.size();
        sentBytes += bytes;
        Offset reached = page.events().isEmpty() ? null : page.events().get(page.events().size() - 1).offset();
        boolean progress = reached != null && (first || reached.seq() > cursor.seq());
        if (progress && reached.seq() < target.seq() && page.placement().placed()) {
            cursor = reached;
            session.awaitReplayTurn(this::nextPage); // after this turn ends and the page has drained
            return;
        }
        long at = reached != null ? reached.seq() : first ? page.placement().after() : cursor.seq();
        finish(target, verdict && !gap && at >= target.seq());
        session.awaitReplayTurn(() -> {
            giveBack(); // the last page has drained
            subscription.forgetCancelHook(); // the replay is over
            session.endReplayTurn();
        });
    }

    private void finish(Offset current, boolean recovered) {
        if (since.isPresent()) {
            stats.replayed(recovered, sentEvents, sentBytes);
        }
        subscription.goLive(current, subscribedFrame.apply(current, since.isEmpty() || recovered));
    }

    private void fail(Throwable error) {
        end();
        if (since.isPresent()) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof ReplayBudget.Exhausted) {
                stats.replayRefused();
            } else {
                stats.replayFailed();
            }
        }
        failed.accept(error);
    }

    /** Records a grant; false (and the grant given back) if the replay has ended meanwhile. */
    private boolean hold(long granted) {
        synchronized (this) {
            if (held >= 0) {
                held += granted;
                return true;
            }
        }
        budget.release(granted);
        return false;
    }

    /** Keeps only what the page turned out to hold (it may be less than its bound). */
    private void keepOnly(long bytes) {
        long excess;
        synchronized (this) {
            if (held <= bytes) {
                return;
            }
            excess = held - bytes;
            held = bytes;
        }
        budget.release(excess);
    }

    /** The page has left the queue: its bytes go back to the budget. */
    private void giveBack() {
        long bytes;
        synchronized (this) {
            if (held <= 0) {
                return;
            }
            bytes = held;
            held = 0;
        }
        budget.release(bytes);
    }

    /** The subscription ended (or the replay failed): give back what is held, hold nothing more. */
    private void end() {
        long bytes;
        synchronized (this) {
            bytes = Math.max(0, held);
            held = -1;
        }
        budget.release(bytes);
    }
}
