package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The cluster bus: gives each event its offset, keeps a bounded history and carries events to
 * every node that subscribed to the event's topic.
 *
 * <p><b>Guarantees.</b> {@link #publish} assigns offsets and publishes atomically: a stage that
 * completes normally means the events are in the history and were published; one that completes
 * exceptionally ({@link BusUnavailableException}) means none of them was. Offsets of one topic are
 * contiguous. Messages of one topic reach the listener in offset order, but pub/sub may drop some
 * (Redis reconnect): the receiver detects the gap by sequence number and asks {@link #history}.
 *
 * <p><b>Threading.</b> All methods are non-blocking and thread-safe; stages and the listener run
 * on bus threads.
 */
public interface Bus extends AutoCloseable {

    /** Starts delivering messages of subscribed topics to {@code listener}. Called once. */
    void start(BusListener listener);

    /** {@code redis} or {@code in-process}, for health and logs. */
    String kind();

    /** Publishes events atomically, in the given order; the stage holds their offsets in the same order. */
    CompletionStage<List<Offset>> publish(List<Outgoing> events);

    /**
     * Whether {@link #publish} now returns at once, whatever the state of the network: it only
     * queues the call (the outcome comes with the stage). While false, a call may wait (a client
     * still connecting for the first time, a Redis Cluster being discovered), and a caller that
     * must not wait calls from a thread of its own.
     */
    default boolean publishesWithoutWaiting() {
        return false;
    }

    /**
     * Like {@link #publish(List)}, at most once per {@code idempotencyKey}: while the key is
     * remembered (as long as history is kept), a repeat returns the offsets of the first publish
     * and publishes nothing. A caller whose publish failed without an answer (a lost reply) can
     * so retry without risking a duplicate. The key names the request; its events are not compared.
     */
    CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey);

    /**
     * Starts receiving {@code topic}'s messages. The stage completes once the subscription is
     * live (messages published after that point are received); while the bus is down it keeps
     * trying until {@link #unsubscribe} or {@link #close}.
     */
    CompletionStage<Void> subscribe(Topic topic);

    /** Stops receiving {@code topic}'s messages. */
    CompletionStage<Void> unsubscribe(Topic topic);

    /** Like {@link #history(Topic, Optional, int, long)} with no byte bound. */
    default CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit) {
        return history(topic, since, limit, Long.MAX_VALUE);
    }

    /**
     * The retained events new to the holder of {@code since} (at most {@code limit}, and no more
     * once they hold {@code maxBytes}, but at least one), where {@code since} stands on the topic's
     * line of offsets, and the current offset (see {@link History}). Without {@code since}, only
     * the current offset. Reading creates nothing in the bus for a topic that has no events.
     */
    CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes);

    /**
     * Where {@code topic} stands now: {@code history(topic, Optional.empty(), 0)}'s current offset
     * (a marker when the topic has no events). A bus may read several topics' positions in one round trip.
     */
    default CompletionStage<Offset> position(Topic topic) {
        return history(topic, Optional.empty(), 0).thenApply(History::current);
    }

    /** Completes normally when the bus answers a round trip. */
    CompletionStage<Void> ping();

    /**
     * Whether subscriptions currently receive what is published: false while the bus's own
     * probe messages do not come back (Redis down, or the pub/sub connection deaf).
     */
    boolean receiving();

    /** Publishes this node's figures for the cluster view; they expire unless refreshed. */
    CompletionStage<Void> announce(String nodeId, String figuresJson);

    /** The figures every live node announced, by node id. */
    CompletionStage<Map<String, String>> nodes();

    /**
     * Writes a node's members of a presence channel (see {@link PresenceWrite}) and, in the same
     * atomic step, decides who joined or left the channel cluster-wide and publishes each such
     * change as an event of the channel's presence topic ({@link Topic#presence}; envelope
     * {@link io.switchboard.internal.protocol.PresenceChange}), with offsets like any event. A user
     * joins with the first node that holds them and leaves with the last. First, the shares of other
     * nodes whose lease ran out are swept: their users leave (once, whichever node sweeps).
     *
     * @return true if applied; false if a delta was refused because the bus holds no share of the
     *         node (then write in full)
     */
    CompletionStage<Boolean> writePresence(PresenceWrite write);

    /**
     * A presence channel's members over all live nodes and its presence topic's offset, read in
     * one atomic step (after sweeping expired shares, as {@link #writePresence} does).
     */
    CompletionStage<PresenceSnapshot> presence(String channel);

    /**
     * Starts receiving what other nodes send to {@code nodeId} ({@link #sendToNode}) or to every
     * node ({@link #sendToAll}), on bus threads. Called once. Like pub/sub, a message sent while a
     * node cannot receive is lost: whoever waits for an answer must time out.
     */
    void openInbox(String nodeId, Consumer<String> inbox);

    /** Sends {@code message} to the node {@code nodeId}; completes once the bus took it (not once received). */
    CompletionStage<Void> sendToNode(String nodeId, String message);

    /** Sends {@code message} to every node, this one included. */
    CompletionStage<Void> sendToAll(String message);

    /** Releases every resource; no thread of the bus outlives this call. */
    @Override
    void close();

    /** One event to publish. */
    record Outgoing(Topic topic, String envelope) {
    }
}
