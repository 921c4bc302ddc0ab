package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusListener;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.BusUnavailableException;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Registry;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * Interest-based routing: the node holds a bus subscription for a topic exactly while the
 * topic has a local subscriber.
 *
 * <p>The registry calls {@link #interested}/{@link #uninterested} under the topic's lock, in the
 * order of its decisions on that topic. This class records the decision and hands the bus call to
 * {@code worker}, a single thread, so a topic's bus calls happen in decision order and never under the registry's lock
 * (Redisson may block a caller for seconds while Redis is down).
 */
final class BusInterest implements Registry.InterestListener, BusListener {
    private final Bus bus;
    private final ExecutorService worker;
    private final Map<Topic, Interest> interests = new ConcurrentHashMap<>();
    private final java.util.function.Function<Topic, TopicDispatcher> dispatchers;

    /**
     * One period of interest in a topic: its dispatcher, and when its bus subscription is live with
     * where the topic stood just before (empty if that read failed).
     */
    private record Interest(TopicDispatcher dispatcher, CompletableFuture<Optional<Offset>> live) {
    }

    BusInterest(Bus bus, ExecutorService worker, java.util.function.Function<Topic, TopicDispatcher> dispatchers) {
        this.bus = bus;
        this.worker = worker;
        this.dispatchers = dispatchers;
    }

    @Override
    public void interested(Topic topic) {
        Interest interest = new Interest(dispatchers.apply(topic), new CompletableFuture<>());
        interests.put(topic, interest);
        // Subscribed first, then where the topic stands is read, so that one read serves both the
        // dispatcher and the first subscriber: every event after that position is published while the
        // subscription is live, so it arrives on pub/sub (or, if pub/sub drops it, shows up as a gap and
        // is fetched from history). An event up to the position that is still in flight on pub/sub then
        // counts as delivered, which no subscriber misses: the first is answered with this position,
        // and every later one with a position it reads itself once live, which is not older.
        // Subscribed from the worker, in decision order, and only while this interest is current: a
        // subscribe made after the unsubscribe of a later uninterested would outlive the interest.
        worker.execute(() -> {
            if (interests.get(topic) != interest) {
                return; // withdrawn before its turn: its live has failed, its unsubscribe comes next
            }
            interest.dispatcher().awaitBaseline();
            bus.subscribe(topic)
                    .thenCompose(live -> interests.get(topic) == interest
                            ? bus.position(topic).handle((position, failed) -> {
                                if (failed != null) {
                                    interest.dispatcher().baseline(null); // live events are delivered as they come
                                    return Optional.<Offset>empty();
                                }
                                interest.dispatcher().baseline(position);
                                return Optional.of(position);
                            })
                            : CompletableFuture.<Optional<Offset>>failedFuture(
                                    new BusUnavailableException("no longer subscribed to " + topic, null)))
                    .whenComplete((position, error) -> {
                        if (error == null) {
                            interest.live().complete(position);
                        } else {
                            interest.live().completeExceptionally(error);
                        }
                    });
        });
    }

    @Override
    public void uninterested(Topic topic) {
        Interest interest = interests.remove(topic);
        if (interest != null) {
            interest.live().completeExceptionally(new BusUnavailableException("no longer subscribed to " + topic, null));
        }
        worker.execute(() -> bus.unsubscribe(topic));
    }

    /** Completes when the bus subscription of {@code topic} is live. */
    CompletableFuture<Void> live(Topic topic) {
        return liveAt(topic).thenApply(position -> null);
    }

    /**
     * Completes when the bus subscription of {@code topic} is live, with where the topic stood once it
     * was (empty if that read failed): the topic's dispatcher delivers every event after it to the
     * subscribers registered since the interest began. A subscriber registered later may have missed some.
     */
    CompletableFuture<Optional<Offset>> liveAt(Topic topic) {
        Interest interest = interests.get(topic);
        return interest == null
                ? CompletableFuture.failedFuture(new BusUnavailableException("not subscribed to " + topic, null))
                : interest.live();
    }

    /** Routes a bus message to its topic's dispatcher; messages of topics no longer wanted are dropped. */
    @Override
    public void onMessage(BusMessage message) {
        Interest interest = interests.get(message.topic());
        if (interest != null) {
            interest.dispatcher().onMessage(message);
        }
    }

    @Override
    public void onResumed(Topic topic) {
        Interest interest = interests.get(topic);
        if (interest != null) {
            interest.dispatcher().resume();
        }
    }

    /** Fails whatever still waits for a subscription to go live: the node is stopping. */
    void stop() {
        BusUnavailableException stopped = new BusUnavailableException("Switchboard stopped", null);
        interests.values().forEach(interest -> interest.live().completeExceptionally(stopped));
    }

    int topics() {
        return interests.size();
    }

    /** Deliveries so far of each channel this node receives (user topics left out). */
    Map<String, Long> channelDeliveries() {
        Map<String, Long> deliveries = new java.util.HashMap<>();
        interests.forEach((topic, interest) -> {
            if (topic.kind() == Topic.Kind.CHANNEL) {
                deliveries.put(topic.name(), interest.dispatcher().deliveries());
            }
        });
        return deliveries;
    }
}
