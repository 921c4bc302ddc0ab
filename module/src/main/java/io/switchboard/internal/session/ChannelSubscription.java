package io.switchboard.internal.session;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Subscriber;

import java.util.ArrayList;
import java.util.List;

/**
 * A client's subscription to one topic, including the seam between history and live events.
 *
 * <p>It is registered (and so receives live events) <em>before</em> the history is read. Until
 * {@link #goLive} it holds live events back; the replay ({@link Replay}) queues its pages with
 * {@link #replayPage}, then {@code goLive} sends the held-back events that come after them, so
 * the client sees every event once, in order, whatever the timing between the history reads and
 * live traffic.
 *
 * <p>Guarded by {@code this}: frames are queued under the lock, which keeps their order between
 * the dispatcher's thread and the thread completing the history read, and written to the socket
 * after the lock is released.
 */
final class ChannelSubscription implements Subscriber {
    private final Topic topic;
    private final ClientSession session;
    private final int maxHeldBack;
    private List<Delivery> heldBack = new ArrayList<>();
    private Offset last;
    private boolean live;
    private boolean cancelled;
    private Runnable deferredUnsubscribe;
    private Runnable cancelHook; // gives back what the replay holds (see Replay)
    private Offset lostWhileSubscribing; // a lost notice that came before this subscription was live
    private Runnable afterLive; // runs once 'subscribed' is queued (a presence channel's snapshot follows it)

    ChannelSubscription(Topic topic, ClientSession session, int maxHeldBack) {
        this.topic = topic;
        this.session = session;
        this.maxHeldBack = maxHeldBack;
    }

    /** A subscription that is live at once (a user's personal topic: nothing to replay). */
    static ChannelSubscription live(Topic topic, ClientSession session) {
        ChannelSubscription subscription = new ChannelSubscription(topic, session, 0);
        subscription.live = true;
        subscription.heldBack = null;
        return subscription;
    }

    Topic topic() {
        return topic;
    }

    /**
     * The topic's line no longer continues what this client had: it gets an unsolicited
     * {@code subscribed} with {@code recovered: false} and the offset delivery goes on from, as a
     * reconnecting client would. A subscription already past {@code resumeAt} (it subscribed after
     * the change) has nothing to be told.
     */
    @Override
    public void lost(Offset resumeAt) {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            if (!live) {
                lostWhileSubscribing = resumeAt;
                return;
            }
            if (!tellLost(resumeAt)) {
                return;
            }
        }
        session.flush();
    }

    private boolean tellLost(Offset resumeAt) {
        if (last != null && !resumeAt.isAfter(last)) {
            return false;
        }
        last = resumeAt;
        String channel = topic.kind() == Topic.Kind.USER ? ChannelNames.USER_CHANNEL : topic.name();
        return session.enqueue(Frames.subscribed(channel, resumeAt, false, null));
    }

    @Override
    public void deliver(Delivery delivery) {
        if (queue(delivery)) {
            session.flush();
        }
    }

    /**
     * Queues the frame and leaves the write to {@link #flush}, unless the queue is half full: a
     * run of deferred frames must not overflow a client that reads fast enough.
     */
    @Override
    public void deliverBeforeFlush(Delivery delivery) {
        if (queue(delivery) && !session.roomToDefer()) {
            session.flush();
        }
    }

    @Override
    public void flush() {
        session.flush();
    }

    /** Holds back or queues {@code delivery}; whether a frame was queued. */
    private boolean queue(Delivery delivery) {
        synchronized (this) {
            if (cancelled) {
                return false;
            }
            if (!live) {
                if (heldBack.size() >= maxHeldBack) {
                    session.close(CloseCodes.TRY_AGAIN_LATER, "too many events while subscribing to " + topic);
                    return false;
                }
                heldBack.add(delivery);
                return false;
            }
            return enqueueIfNew(delivery);
        }
    }

    /**
     * Queues one page of a replay (read after the subscription was registered) in order; live
     * events keep waiting in {@code heldBack} until {@link #goLive}.
     *
     * @return false if the subscription was cancelled meanwhile: the replay should stop
     */
    boolean replayPage(List<Delivery> page) {
        synchronized (this) {
            if (cancelled) {
                return false;
            }
            for (Delivery delivery : page) {
                last = delivery.offset();
                if (!session.enqueue(delivery.frame())) {
                    break; // the session closed (its queue overflowed): nothing more goes out
                }
            }
        }
        session.flush();
        return true;
    }

    /**
     * Ends the replay: queues the {@code subscribed} frame, then the events that arrived meanwhile
     * and come after what was replayed, and delivers live from now on.
     *
     * @param current the topic's offset when the replay began: every event up to it was replayed
     *                or is no longer in history, so held-back events up to it are not sent again
     */
    void goLive(Offset current, String subscribed) {
        Runnable then;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            if (last == null || current.isAfter(last)) {
                last = current;
            }
            session.enqueue(subscribed);
            live = true;
            if (lostWhileSubscribing != null) {
                tellLost(lostWhileSubscribing);
                lostWhileSubscribing = null;
            }
            for (Delivery delivery : heldBack) {
                enqueueIfNew(delivery);
            }
            heldBack = null;
            then = afterLive;
            afterLive = null;
        }
        session.flush();
        if (then != null) {
            then.run();
        }
        runDeferredUnsubscribe();
    }

    /**
     * Runs {@code next} once this subscription is live, right after its {@code subscribed} frame was
     * queued (at once if it is live already; never if it is cancelled first).
     */
    void afterLive(Runnable next) {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            if (!live) {
                afterLive = next;
                return;
            }
        }
        next.run();
    }

    /** Whether the subscription is still replaying: neither live nor cancelled. */
    synchronized boolean replaying() {
        return !live && !cancelled;
    }

    /** Runs {@code hook} when the subscription is cancelled (at once if it is already). */
    void whenCancelled(Runnable hook) {
        synchronized (this) {
            if (!cancelled) {
                cancelHook = hook;
                return;
            }
        }
        hook.run();
    }

    /**
     * Drops the hook {@link #whenCancelled} registered: the replay holds nothing more and will hold
     * nothing again, and a live subscription (which may last as long as its connection) need not keep it.
     */
    synchronized void forgetCancelHook() {
        cancelHook = null;
    }

    /**
     * An unsubscribe that arrives before this subscription is live waits for it, so the client
     * gets {@code subscribed} before {@code unsubscribed} (every request answered, in order) and
     * the bus subscription is never cancelled halfway through being made.
     *
     * @return true if {@code unsubscribe} will run once the subscription is live (or has failed);
     *         false if it is live already and the caller should unsubscribe now
     */
    synchronized boolean deferUnsubscribe(Runnable unsubscribe) {
        if (live || cancelled) {
            return false;
        }
        deferredUnsubscribe = unsubscribe;
        return true;
    }

    /** Whether an unsubscribe waits for this subscription to go live: its replay should stop. */
    synchronized boolean unsubscribing() {
        return deferredUnsubscribe != null;
    }

    /** Runs a deferred unsubscribe, if any; used once the subscription is live or has failed. */
    void runDeferredUnsubscribe() {
        Runnable unsubscribe;
        synchronized (this) {
            unsubscribe = deferredUnsubscribe;
            deferredUnsubscribe = null;
        }
        if (unsubscribe != null) {
            unsubscribe.run();
        }
    }

    void cancel() {
        Runnable hook;
        synchronized (this) {
            cancelled = true;
            heldBack = null;
            afterLive = null;
            hook = cancelHook;
            cancelHook = null;
        }
        if (hook != null) {
            hook.run();
        }
    }

    private boolean enqueueIfNew(Delivery delivery) {
        Offset offset = delivery.offset();
        if (last != null && !offset.isAfter(last)) {
            return false; // already covered by the replay, or of an epoch older than what this client has
        }
        last = offset;
        return session.enqueue(delivery.frame());
    }
}
