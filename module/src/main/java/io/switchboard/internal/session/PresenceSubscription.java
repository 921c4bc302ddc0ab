package io.switchboard.internal.session;

import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.PresenceChange;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Subscriber;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A client's view of the members of one {@code presence-*} channel it subscribed to: a
 * {@code presence} frame with the members, then a {@code join} or {@code leave} frame for each
 * change, in the cluster's order.
 *
 * <p><b>The seam.</b> Joins and leaves are events of the channel's presence topic, with offsets.
 * This subscription registers for them first and holds them back, then reads the snapshot, which
 * the bus reads atomically with the topic's offset ({@link PresenceSnapshot}); it sends the
 * snapshot, then the held-back changes after that offset, then live ones. The client so sees each
 * change once, after a snapshot that does not yet contain it, and ends with the cluster's list.
 * When the topic's line breaks ({@link #lost}: events missed that history no longer holds, Redis
 * went back), a fresh snapshot is read the same way and sent as a new {@code presence} frame.
 *
 * <p><b>Order with the channel.</b> {@link #start} runs once the channel's {@code subscribed} frame
 * is queued, so {@code presence} always comes after it. Before the snapshot it reads, it waits for
 * this node's write of the subscriber's own join, so the client finds itself in the list.
 *
 * <p><b>Threading.</b> Guarded by {@code this}: frames are queued under the lock, which keeps their
 * order between the dispatcher's thread and the thread completing the snapshot read, and written
 * after it is released. Registration with the node ({@link LocalTopics}) happens outside the lock.
 */
final class PresenceSubscription implements Subscriber {
    private final String channel;
    private final Topic topic;
    private final ClientSession session;
    private final LocalTopics topics;
    private final CompletionStage<Void> ownJoin;
    private final int maxHeldBack;
    private boolean started;
    private boolean cancelled;
    private boolean reading;      // a snapshot read is in flight
    private boolean readAgain;    // the line broke during that read: read once more before sending
    private List<Delivery> heldBack; // non-null while waiting for a snapshot
    private Offset last;          // the snapshot's offset, then each change's sent since

    /**
     * @param ownJoin     completes once this node wrote the subscriber's join (see {@link LocalTopics#joined})
     * @param maxHeldBack changes held back while a snapshot is read, at most (beyond: closed with 1013)
     */
    PresenceSubscription(String channel, ClientSession session, LocalTopics topics, CompletionStage<Void> ownJoin,
                         int maxHeldBack) {
        this.channel = channel;
        this.topic = Topic.presence(channel);
        this.session = session;
        this.topics = topics;
        this.ownJoin = ownJoin;
        this.maxHeldBack = maxHeldBack;
    }

    /** Registers for the channel's changes and reads the first snapshot; once, and never after {@link #cancel}. */
    void start() {
        synchronized (this) {
            if (started || cancelled) {
                return;
            }
            started = true;
            reading = true;
            heldBack = new ArrayList<>();
        }
        topics.add(topic, this);
        synchronized (this) {
            if (cancelled) {
                topics.remove(topic, this); // cancelled while registering: cancel() may have run before add()
                return;
            }
        }
        // The bus subscription is live before the snapshot is read, so no change after the
        // snapshot's offset can pass this node by (earlier ones are fetched from history).
        topics.live(topic).thenCompose(live -> ownJoin).whenComplete((ignored, error) -> {
            if (error == null) {
                read();
            }
            // else the node stops (or the topic was dropped under us): nothing more to send
        });
    }

    private void read() {
        topics.presence(channel, this::wanted).whenComplete(this::snapshotRead);
    }

    private synchronized boolean wanted() {
        return !cancelled;
    }

    private void snapshotRead(PresenceSnapshot snapshot, Throwable error) {
        synchronized (this) {
            if (cancelled || error != null) {
                return; // given up only once unwanted, or the node stops
            }
            if (!readAgain) {
                reading = false;
                last = snapshot.offset();
                if (session.enqueue(PresenceChange.snapshotFrame(channel, snapshot.members()))) {
                    for (Delivery change : heldBack) {
                        enqueueIfNew(change);
                    }
                }
                heldBack = null;
            }
        }
        if (readAgain()) {
            read();
        } else {
            session.flush();
        }
    }

    /** Takes the request for another read, if the line broke during the last one. */
    private synchronized boolean readAgain() {
        if (!readAgain || cancelled) {
            return false;
        }
        readAgain = false;
        return true;
    }

    @Override
    public void deliver(Delivery change) {
        synchronized (this) {
            if (cancelled || !started) {
                return;
            }
            if (heldBack != null) {
                if (heldBack.size() >= maxHeldBack) {
                    session.close(CloseCodes.TRY_AGAIN_LATER, "too many presence changes while reading the members of " + channel);
                    return;
                }
                heldBack.add(change);
                return;
            }
            if (!enqueueIfNew(change)) {
                return;
            }
        }
        session.flush();
    }

    /**
     * The presence topic's line no longer continues what this client was shown: read the members
     * again and send them as a new snapshot, then the changes after it.
     */
    @Override
    public void lost(Offset resumeAt) {
        synchronized (this) {
            if (cancelled || !started) {
                return;
            }
            if (heldBack == null) {
                heldBack = new ArrayList<>();
            }
            if (reading) {
                readAgain = true; // that read may predate the break
                return;
            }
            reading = true;
        }
        read();
    }

    /** Stops for good; idempotent. */
    void cancel() {
        boolean registered;
        synchronized (this) {
            registered = started && !cancelled;
            cancelled = true;
            heldBack = null;
        }
        if (registered) {
            topics.remove(topic, this);
        }
    }

    private boolean enqueueIfNew(Delivery change) {
        if (last != null && !change.offset().isAfter(last)) {
            return false; // in the snapshot already, or of an epoch older than what this client was shown
        }
        last = change.offset();
        return session.enqueue(change.frame());
    }
}
