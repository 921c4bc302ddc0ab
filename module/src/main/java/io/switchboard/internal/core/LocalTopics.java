package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Registry;
import io.switchboard.internal.registry.Subscriber;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * This node's side of delivery: who holds which topic here (the {@link Registry}), the bus
 * subscriptions that follow from it ({@link BusInterest}, one {@link TopicDispatcher} per topic)
 * and this node's share of presence. Every door that subscribes (a connection, the Java API's
 * listeners) goes through here.
 *
 * <p>Threads: {@code interestWorker} makes the bus (un)subscribe calls in decision order;
 * {@code timer} runs the dispatchers' retries, the deadlines of {@link #live} and the renewal of
 * this node's presence shares.
 */
public final class LocalTopics {
    private static final Duration WITHDRAW_TIMEOUT = Duration.ofSeconds(2);
    private final Bus bus;
    private final Registry registry;
    private final BusInterest interest;
    private final PresenceTracker presence;
    private final Timeouts timeouts;
    private final NodeStats stats;
    private final int pageLimit;
    private final ScheduledExecutorService timer;
    private final Executor largeFanouts;

    /** Every topic's messages handed out on the thread that brings them, whatever the fan-out. */
    public LocalTopics(Bus bus, String nodeId, int historySize, NodeStats stats, ScheduledExecutorService timer,
                       ExecutorService interestWorker) {
        this(bus, nodeId, historySize, stats, timer, interestWorker, Runnable::run);
    }

    /** @param largeFanouts hands out the messages of topics with many local subscribers (see {@link TopicDispatcher}) */
    public LocalTopics(Bus bus, String nodeId, int historySize, NodeStats stats, ScheduledExecutorService timer,
                       ExecutorService interestWorker, Executor largeFanouts) {
        this.bus = bus;
        this.largeFanouts = largeFanouts;
        this.stats = stats;
        this.pageLimit = Math.max(1, historySize);
        this.timer = timer;
        this.timeouts = new Timeouts(timer);
        // The registry tells the interest of its first and last subscriber; the interest makes one
        // dispatcher per topic, which delivers to the registry's subscribers.
        this.interest = new BusInterest(bus, interestWorker, this::newDispatcher);
        this.registry = new Registry(interest);
        this.presence = new PresenceTracker(bus, nodeId, timer);
    }

    private TopicDispatcher newDispatcher(Topic topic) {
        return new TopicDispatcher(topic, registry, bus, stats, pageLimit, timer, largeFanouts);
    }

    /** Starts receiving the bus's messages and renewing this node's presence shares. */
    public void start() {
        bus.start(interest);
        long renew = PresenceTracker.REFRESH_INTERVAL.toMillis();
        timer.scheduleWithFixedDelay(presence::refresh, renew, renew, TimeUnit.MILLISECONDS);
    }

    /**
     * Fails whatever still waits for a subscription to go live, and withdraws this node's presence
     * shares (waiting up to {@link #WITHDRAW_TIMEOUT}): its users leave now, not when the lease runs out.
     */
    public void stop() {
        interest.stop();
        presence.withdrawAll(WITHDRAW_TIMEOUT);
    }

    /**
     * Registers a subscriber; the first of a topic starts the node's bus subscription.
     *
     * @return whether {@code subscriber} is that first one: then {@link #liveAt} tells a position
     *         from which it receives every event
     */
    public boolean add(Topic topic, Subscriber subscriber) {
        return registry.add(topic, subscriber);
    }

    /** Unregisters a subscriber; the last of a topic ends the node's bus subscription. Idempotent. */
    public void remove(Topic topic, Subscriber subscriber) {
        registry.remove(topic, subscriber);
    }

    /**
     * Completes when the node's bus subscription of {@code topic} is live. Read after
     * {@link #add}: the registry has declared interest (synchronously) by then, so this is the
     * subscription that covers the subscriber.
     */
    public CompletableFuture<Void> live(Topic topic) {
        return interest.live(topic);
    }

    /**
     * Like {@link #live(Topic, long)}, with where the topic stood when the node began to subscribe
     * (empty if that read failed). Only the subscriber whose {@link #add} began the subscription
     * is sure to receive every event after that position (a later one may have come after some).
     */
    public CompletableFuture<Optional<Offset>> liveAt(Topic topic, long millis) {
        return timeouts.within(interest.liveAt(topic), millis);
    }

    /** Whether the bus receives what is published (false while Redis is known to be down). */
    public boolean busReceiving() {
        return bus.receiving();
    }

    /** Like {@link #live(Topic)}, failing after {@code millis}. */
    public CompletableFuture<Void> live(Topic topic, long millis) {
        return timeouts.within(interest.live(topic), millis);
    }

    /**
     * A user's session joined a presence channel on this node. Completes once the cluster's
     * member list holds the user (or the write failed; it is repaired later): a snapshot read
     * after it shows the user.
     */
    public CompletionStage<Void> joined(String channel, String user) {
        return presence.join(channel, user);
    }

    /** A user's session left a presence channel on this node. */
    public void left(String channel, String user) {
        presence.leave(channel, user);
    }

    /** Renews this node's presence shares before their lease runs out (also every few seconds on the timer). */
    public void refreshPresence() {
        presence.refresh();
    }

    /**
     * A presence channel's members and the offset of its presence topic they stand at, retried
     * while {@code wanted}; fails only once no longer wanted or when the node stops.
     */
    public CompletionStage<PresenceSnapshot> presence(String channel, BooleanSupplier wanted) {
        return presence.snapshot(channel, wanted);
    }

    public int topicCount() {
        return registry.topicCount();
    }

    /** How many local subscribers {@code topic} has now. */
    public int subscriberCount(Topic topic) {
        return registry.subscribers(topic).length;
    }

    /** Channels (not users' topics) with at least one local subscriber. */
    public int channelCount() {
        return registry.topicCount(Topic.Kind.CHANNEL);
    }

    /**
     * How many deliveries each channel this node receives has made to its local subscribers since
     * the node began receiving it (a channel that lost its last subscriber starts again at 0).
     */
    public java.util.Map<String, Long> channelDeliveries() {
        return interest.channelDeliveries();
    }

    public int subscriptionCount() {
        return registry.subscriptionCount();
    }

    public int busSubscriptions() {
        return interest.topics();
    }
}
