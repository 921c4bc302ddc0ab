package io.switchboard.internal.core;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.lifecycle.NettyThreadLocals;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The one way to read what the cluster holds, for every door: a channel's history, a presence
 * channel's members, the cluster's figures, this node's health. Answers are this package's
 * records, not the bus's, so a door needs no bus type.
 *
 * <p>Refusals ({@link Refusal}) are thrown at once for what the caller asked; a stage fails when
 * the bus does not answer. Stages complete on bus threads (or the node's timer): a door that
 * writes to a socket hands the answer to its own thread.
 */
public final class Reader {
    private static final Logger log = LoggerFactory.getLogger(Reader.class);
    private static final long HEALTH_TIMEOUT_MILLIS = 2_000;

    /** One stored event, decoded. */
    public record StoredEvent(Offset offset, String event, JsonNode data, String origin) {
    }

    /** Events of a channel and where it stands; {@code recovered} as in the protocol's {@code subscribed}. */
    public record HistoryPage(Topic topic, Offset current, boolean recovered, List<StoredEvent> events) {
    }

    /** This node's figures and every live node's, as each last announced them. */
    public record ClusterFigures(Map<String, Object> node, Map<String, JsonNode> byNode) {
        /** The sum of one figure over the nodes. */
        public long total(String figure) {
            return byNode.values().stream().mapToLong(figures -> figures.path(figure).asLong()).sum();
        }
    }

    /** Whether this node can serve: the bus answers and its subscriptions receive. */
    public record Health(boolean up, String node, String bus, boolean receiving, Optional<String> problem) {
    }

    private final Bus bus;
    private final String nodeId;
    private final int historySize;
    private final Supplier<Map<String, Object>> figures;
    private final Timeouts timeouts;
    private final java.util.function.BooleanSupplier stopping;

    public Reader(Bus bus, String nodeId, int historySize, Supplier<Map<String, Object>> figures, Timeouts timeouts,
                  java.util.function.BooleanSupplier stopping) {
        this.bus = bus;
        this.nodeId = nodeId;
        this.historySize = Math.max(1, historySize);
        this.figures = figures;
        this.timeouts = timeouts;
        this.stopping = stopping;
    }

    /** The most events one history answer may hold (the history size). */
    public int maxHistoryLimit() {
        return historySize;
    }

    /**
     * The events after {@code since} (at most {@code limit}); without {@code since}, the last
     * {@code limit} events of the current epoch. Entries that are not events (another
     * application on a shared namespace, a corrupted value) are skipped, as the live path skips them.
     */
    public CompletionStage<HistoryPage> history(Topic topic, Optional<Offset> since, int limit) {
        if (limit < 1 || limit > historySize) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "'limit' must be between 1 and " + historySize);
        }
        CompletionStage<History> read = since.isPresent()
                ? page(topic, since, limit, Long.MAX_VALUE)
                : page(topic, Optional.empty(), 0, 0).thenCompose(position -> page(topic,
                        Optional.of(new Offset(position.current().epoch(), Math.max(0, position.current().seq() - limit))),
                        limit, Long.MAX_VALUE));
        return read.thenApply(history -> new HistoryPage(topic, history.current(), history.recovered(), decoded(topic, history)));
    }

    /**
     * One page of raw history, as a replay reads it: the events after {@code since} up to
     * {@code limit} and {@code maxBytes} (see {@link Bus#history(Topic, Optional, int, long)}).
     */
    public CompletionStage<History> page(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        try {
            return bus.history(topic, since, limit, maxBytes);
        } finally {
            NettyThreadLocals.release(); // the caller may be a container thread
        }
    }

    /** The members of a {@code presence-*} channel over all live nodes, sorted. */
    public CompletionStage<Set<String>> members(Topic channel) {
        if (!ChannelNames.isPresence(channel.name())) {
            throw new Refusal(ErrorCode.NOT_FOUND, "only presence-* channels keep a member list");
        }
        try {
            return bus.presence(channel.name()).thenApply(snapshot -> new TreeSet<>(snapshot.members()));
        } finally {
            NettyThreadLocals.release();
        }
    }

    /** This node's figures and those every live node announced. */
    public CompletionStage<ClusterFigures> cluster() {
        Map<String, Object> mine = figures.get();
        CompletionStage<Map<String, String>> nodes;
        try {
            nodes = bus.nodes();
        } finally {
            NettyThreadLocals.release();
        }
        return nodes.thenApply(announced -> {
            Map<String, JsonNode> byNode = new LinkedHashMap<>();
            announced.forEach((node, json) -> {
                try {
                    byNode.put(node, Json.MAPPER.readTree(json));
                } catch (JacksonException e) {
                    log.debug("Skipped unreadable figures of node {}", node);
                }
            });
            return new ClusterFigures(mine, byNode);
        });
    }

    /** Completes (never exceptionally) with this node's health within about two seconds. */
    public CompletionStage<Health> health() {
        CompletionStage<Void> ping;
        if (stopping.getAsBoolean()) {
            ping = CompletableFuture.failedFuture(new IllegalStateException("shutting down"));
        } else {
            try {
                ping = timeouts.within(bus.ping(), HEALTH_TIMEOUT_MILLIS);
            } finally {
                NettyThreadLocals.release();
            }
        }
        return ping.handle((ignored, error) -> {
            boolean receiving = bus.receiving();
            boolean up = error == null && receiving;
            Optional<String> problem = up ? Optional.empty() : Optional.of(error != null
                    ? "the bus does not answer" : "the bus subscriptions do not receive");
            return new Health(up, nodeId, bus.kind(), receiving, problem);
        });
    }

    private static List<StoredEvent> decoded(Topic topic, History history) {
        List<StoredEvent> events = new ArrayList<>(history.events().size());
        for (BusMessage message : history.events()) {
            try {
                EventEnvelope envelope = EventEnvelope.decode(message.envelope());
                events.add(new StoredEvent(message.offset(), envelope.event(), envelope.data(), envelope.origin()));
            } catch (IllegalArgumentException foreign) {
                log.debug("Skipped history entry {} of {}: {}", message.offset(), topic, foreign.getMessage());
            }
        }
        return events;
    }
}
