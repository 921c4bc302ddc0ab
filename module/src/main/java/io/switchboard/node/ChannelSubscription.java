package io.switchboard.node;

import io.switchboard.bus.History;
import io.switchboard.bus.Topic;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.Frames;
import io.switchboard.protocol.Offset;
import io.switchboard.registry.Delivery;
import io.switchboard.registry.Subscriber;
import io.switchboard.session.ClientSession;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's subscription to one topic, including the seam between history and live events.
 *
 * <p>It is registered (and so receives live events) <em>before</em> the history is read. Until
 * {@link #goLive} it holds live events back; {@code goLive} sends the replayed events, then the
 * held-back events that come after them, so the client sees every event once, in order, whatever
 * the timing between the history read and live traffic.
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
    private ArrayDeque<Delivery> replaying; // the rest of a replay being sent page by page
    private String subscribedFrame;
    private Offset lostWhileSubscribing; // a lost notice that came before this subscription was live

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
        synchronized (this) {
            if (cancelled) {
                return;
            }
            if (!live) {
                if (heldBack.size() >= maxHeldBack) {
                    session.close(CloseCodes.TRY_AGAIN_LATER, "too many events while subscribing to " + topic);
                    return;
                }
                heldBack.add(delivery);
                return;
            }
            if (!enqueueIfNew(delivery)) {
                return;
            }
        }
        session.flush();
    }

    /**
     * Sends the replayed events and the {@code subscribed} frame, then what arrived meanwhile.
     * A long replay goes out page by page as the session's queue drains, so catching up never
     * overflows the queue; live events wait in {@code heldBack} until it is done.
     *
     * @param replay     the history read after the subscription was registered
     * @param subscribed the {@code subscribed} frame to send after the replay
     */
    void goLive(History replay, List<Delivery> replayed, String subscribed) {
        synchronized (this) {
            if (cancelled) {
                return;
            }
            last = replay.current();
            replaying = new ArrayDeque<>(replayed);
            subscribedFrame = subscribed;
        }
        continueReplay();
    }

    private void continueReplay() {
        boolean done;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            for (int room = session.replayRoom(); room > 0 && !replaying.isEmpty(); room--) {
                session.enqueue(replaying.poll().frame());
            }
            done = replaying.isEmpty();
            if (done) {
                session.enqueue(subscribedFrame);
                live = true;
                if (lostWhileSubscribing != null) {
                    tellLost(lostWhileSubscribing);
                    lostWhileSubscribing = null;
                }
                for (Delivery delivery : heldBack) {
                    enqueueIfNew(delivery);
                }
                heldBack = null;
                replaying = null;
                subscribedFrame = null;
            }
        }
        session.flush();
        if (done) {
            runDeferredUnsubscribe();
        } else {
            session.whenDrained(this::continueReplay);
        }
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

    synchronized void cancel() {
        cancelled = true;
        heldBack = null;
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
