package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.cluster.ClusterCalls;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.TransportKind;
import io.switchboard.internal.session.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What feeds the admin page: while a page watches, every node publishes its figures (connections,
 * subscriptions, rates, bus state, its busiest channels, its last slow-consumer closes) on the
 * reserved channel {@link ChannelNames#ADMIN_CHANNEL} once a {@link #FIGURES_MILLIS second}, and
 * the page's own socket receives them like any subscriber: no node is polled.
 *
 * <p><b>Who publishes when.</b> A node whose admin channel has a local subscriber (an open admin
 * page) asks every node to watch ({@code admin.watch}, a cluster call) every
 * {@link #WATCH_MILLIS} ms; a node publishes while it was asked within {@link #WATCHED_MILLIS}
 * ms. So a cluster nobody watches publishes nothing, and a node that joins starts within a few
 * seconds of being asked.
 *
 * <p><b>Bounded.</b> A node names at most {@link #BUSIEST} channels (the busiest since its last
 * figures) and its last {@link #RECENT_CLOSES} slow-consumer closes: a figures event has the
 * same size whatever the number of channels.
 *
 * <p>Threads: {@link #tick} on the node's timer, once a second; {@code admin.watch} on the
 * cluster thread. The previous totals are touched by the timer thread only.
 */
final class AdminFeed {
    private static final Logger log = LoggerFactory.getLogger(AdminFeed.class);
    static final long FIGURES_MILLIS = 1_000;
    static final long WATCH_MILLIS = 5_000;
    static final long WATCHED_MILLIS = 15_000;
    static final int BUSIEST = 10;
    static final int RECENT_CLOSES = 10;
    private static final Topic ADMIN = Topic.channel(ChannelNames.ADMIN_CHANNEL);

    private final String nodeId;
    private final Clock clock;
    private final Bus bus;
    private final LocalTopics topics;
    private final Connections connections;
    private final NodeStats stats;
    private final SlowConsumers slowConsumers;
    private final Publisher publisher;
    private final ClusterCalls cluster;
    private volatile long watchedUntil; // written by the cluster thread, read by the timer
    // The timer thread's own:
    private long lastWatchAsked = Long.MIN_VALUE / 2;
    private long lastFigures;
    private long lastDelivered;
    private long lastPublished;
    private Map<String, Long> lastByChannel = Map.of();

    AdminFeed(String nodeId, Clock clock, Bus bus, LocalTopics topics, Connections connections, NodeStats stats,
              SlowConsumers slowConsumers, Publisher publisher, ClusterCalls cluster) {
        this.nodeId = nodeId;
        this.clock = clock;
        this.bus = bus;
        this.topics = topics;
        this.connections = connections;
        this.stats = stats;
        this.slowConsumers = slowConsumers;
        this.publisher = publisher;
        this.cluster = cluster;
        cluster.on("admin.watch", args -> {
            watchedUntil = clock.millis() + WATCHED_MILLIS;
            return CompletableFuture.completedFuture(Json.MAPPER.createObjectNode());
        });
    }

    /** Once a second: asks the cluster to watch while this node has an admin page, publishes while watched. */
    void tick() {
        try {
            long now = clock.millis();
            if (topics.subscriberCount(ADMIN) > 0 && now - lastWatchAsked >= WATCH_MILLIS) {
                lastWatchAsked = now;
                cluster.callAll("admin.watch", Json.MAPPER.createObjectNode());
            }
            if (now < watchedUntil) {
                publish(now);
            }
        } catch (RuntimeException e) {
            // A thrown exception would end the timer's schedule of this task: the page would go quiet for good.
            log.warn("The admin figures failed: {}", e.toString());
        }
    }

    private void publish(long now) {
        ObjectNode figures = figures(now);
        try {
            publisher.publish(Publisher.Door.NODE, new Publisher.Draft(ADMIN, "figures", figures))
                    .whenComplete((offset, error) -> {
                        if (error != null) {
                            log.debug("Could not publish the admin figures: {}", error.toString());
                        }
                    });
        } catch (RuntimeException e) {
            log.debug("Could not publish the admin figures: {}", e.toString());
        }
    }

    /** This node's figures now, rates over the time since the last ones. */
    ObjectNode figures(long now) {
        long delivered = stats.deliveredTotal();
        long published = stats.publishedByApplication();
        Map<String, Long> byChannel = topics.channelDeliveries();
        // Rates over the time since the last figures; none after a pause (nobody watched): a fresh interval starts.
        boolean continues = lastFigures != 0 && now - lastFigures <= 3 * FIGURES_MILLIS;
        double seconds = continues ? Math.max(0.001, (now - lastFigures) / 1000.0) : 0;
        ObjectNode figures = Json.MAPPER.createObjectNode()
                .put("node", nodeId)
                .put("at", now)
                .put("bus", bus.kind())
                .put("busUp", bus.receiving())
                .put("connections", connections.count())
                .put("subscriptions", connections.sum(TransportKind.WEBSOCKET, Connection::subscriptionCount))
                .put("channels", topics.channelCount())
                .put("delivered", delivered)
                .put("published", published)
                .put("deliveryRate", seconds == 0 ? 0 : (delivered - lastDelivered) / seconds)
                .put("publishRate", seconds == 0 ? 0 : (published - lastPublished) / seconds)
                .put("slowConsumersClosed", stats.slowConsumersClosedTotal());
        long roundTrip = stats.lastBusRoundTripNanos();
        if (roundTrip >= 0) {
            figures.put("busRoundTripMillis", roundTrip / 1_000_000.0);
        } else {
            figures.putNull("busRoundTripMillis");
        }
        ArrayNode busiest = figures.putArray("busiest");
        if (seconds > 0) {
            Map<String, Long> rates = new HashMap<>();
            byChannel.forEach((channel, count) -> {
                long before = lastByChannel.getOrDefault(channel, 0L);
                long delta = count >= before ? count - before : count; // a channel subscribed anew counts from 0
                if (delta > 0 && !ChannelNames.ADMIN_CHANNEL.equals(channel)) {
                    rates.put(channel, delta);
                }
            });
            rates.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(BUSIEST)
                    .forEach(entry -> busiest.addObject().put("channel", entry.getKey())
                            .put("rate", entry.getValue() / seconds));
        }
        ArrayNode closes = figures.putArray("slowConsumers");
        List<SlowConsumers.Close> recent = slowConsumers.recent();
        recent.subList(Math.max(0, recent.size() - RECENT_CLOSES), recent.size()).stream()
                .sorted(Comparator.comparingLong(SlowConsumers.Close::at))
                .forEach(close -> {
                    ObjectNode entry = closes.addObject().put("at", close.at()).put("session", close.session())
                            .put("reason", close.reason());
                    if (close.user() != null) {
                        entry.put("user", close.user());
                    } else {
                        entry.putNull("user");
                    }
                });
        lastFigures = now;
        lastDelivered = delivered;
        lastPublished = published;
        lastByChannel = byChannel;
        return figures;
    }
}
