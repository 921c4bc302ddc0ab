package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Topics' events in Redis: publishing (sequence, history and PUBLISH in one atomic Lua script call,
 * {@code publish.lua}) and reading history ({@code history.lua}), whose reply becomes a
 * {@link History} by the rule both buses share ({@link History#of}).
 *
 * <p>Events go out with PUBLISH, or with SPUBLISH on a Redis 7 Cluster ({@link PubSubMode}).
 *
 * <p>Outside Redis Cluster, concurrent publishes without an idempotency key are merged into fewer
 * script calls ({@link Coalescer}), and so are concurrent reads of where topics stand
 * ({@code positions.lua}). In Redis Cluster, where a script may only touch keys of
 * one hash slot, a batch is published slot by slot instead, and nothing is coalesced.
 *
 * <p>Threading: no thread of its own. Methods run on the caller's thread up to the script call;
 * replies are turned into offsets and histories on Redisson's threads, and so is the next coalesced
 * call. Thread-safe: the only state is immutable settings, the coalescers' queues and
 * {@link RedisDurability}'s volatile verdict.
 */
final class RedisEventLog {
    /** Functions every script uses on a topic's two history lists; a script cannot include another. */
    private static final String PRELUDE = RedisScripts.load("history-lists.lua")
            + RedisScripts.load("topic-lineage.lua");
    /** The prelude and {@code append_event}: for the scripts that publish (here and {@link RedisPresence}). */
    static final String APPEND_PRELUDE = PRELUDE + RedisScripts.load("topic-append.lua");
    /** publish.lua as each {@link PubSubMode} needs it. */
    private static final Map<PubSubMode, String> PUBLISH_SCRIPTS =
            PubSubMode.variants(APPEND_PRELUDE + RedisScripts.load("publish.lua"));
    private static final String HISTORY_SCRIPT = PRELUDE + RedisScripts.load("history.lua");
    private static final String POSITIONS_SCRIPT = PRELUDE + RedisScripts.load("positions.lua");
    /** Values before the events in a history reply (see history.lua). */
    private static final int HISTORY_HEADER = 8;
    /**
     * A topic's meta outlives its last event by this many history ages (publish.lua), so that a
     * client holding the last offset of a quiet channel still resumes as recovered after its
     * events aged out.
     */
    private static final int LINE_TTL_FACTOR = 2;
    /** Events per coalesced script call: big enough to amortize a round trip, small enough not to stall Redis. */
    private static final int MAX_COALESCED = 256;
    /** Publishes waiting behind the script call in flight (as many as the node's publish thread may hold). */
    private static final int MAX_WAITING = 10_000;
    /** Topics per coalesced position read: one INFO and a HMGET each, far below a publish's work. */
    private static final int MAX_POSITIONS = 256;
    /** Position reads waiting behind the one in flight (one per topic a node newly subscribes to). */
    private static final int MAX_POSITIONS_WAITING = 100_000;

    private final RScript scripts;
    private final String namespace;
    private final int historySize;
    private final long historyBytes;
    private final long historyTtlSeconds;
    private final RedisDurability durability;
    private final PubSubDetection pubSub;
    /** Redis Cluster: a script may only touch keys of one hash slot, so a batch is published slot by slot. */
    private final boolean cluster;
    private final Coalescer<Bus.Outgoing, Offset> coalescer; // null in Redis Cluster (see publish)
    private final Coalescer<Topic, Offset> positions; // null in Redis Cluster (see position)
    /** Set once Redis answered a call: Redisson has connected, so its calls no longer wait (see publishesWithoutWaiting). */
    private volatile boolean answered;

    /**
     * @param historyBytes bytes a topic's history may hold (at least its newest event is kept)
     * @param durability   whether Redis keeps acknowledged writes, passed with every publish
     * @param pubSub       whether events go out with PUBLISH or SPUBLISH, and on which channel
     */
    RedisEventLog(RedissonClient redisson, String namespace, int historySize, long historyBytes, Duration historyTtl,
                  RedisDurability durability, PubSubDetection pubSub) {
        this.scripts = redisson.getScript(StringCodec.INSTANCE);
        this.namespace = namespace;
        this.historySize = historySize;
        this.historyBytes = historyBytes;
        this.historyTtlSeconds = historyTtl.toSeconds();
        this.durability = durability;
        this.pubSub = pubSub;
        this.cluster = redisson.getConfig().isClusterConfig();
        // Coalescing merges independent callers into one call; in Redis Cluster that call would be split
        // by slot again, and a failure in one slot would fail callers whose events were published.
        this.coalescer = cluster ? null : new Coalescer<>(MAX_COALESCED, MAX_WAITING,
                "too many publishes waiting for Redis; nothing published", this::publishNow);
        this.positions = cluster ? null : new Coalescer<>(MAX_POSITIONS, MAX_POSITIONS_WAITING,
                "too many position reads waiting for Redis", this::positionsNow);
    }

    /**
     * See {@link Bus#publishesWithoutWaiting()}: outside Redis Cluster, once Redis has answered
     * once. Redisson connects lazily, and its first call may wait for the connection; after that its
     * calls only queue (through outages too: they fail or retry on Redisson's timers). A Redis
     * Cluster call may wait whenever the cluster's layout is being discovered again.
     */
    boolean publishesWithoutWaiting() {
        return !cluster && answered;
    }

    /** See {@link Bus#publish(List)}. */
    CompletionStage<List<Offset>> publish(List<Bus.Outgoing> events) {
        return coalescer == null ? publishNow(events) : coalescer.submit(events);
    }

    /** See {@link Bus#publish(List, String)}. Never coalesced: the key must cover exactly this request's events. */
    CompletionStage<List<Offset>> publish(List<Bus.Outgoing> events, String idempotencyKey) {
        return publishNow(events, idempotencyKey);
    }

    private CompletionStage<List<Offset>> publishNow(List<Bus.Outgoing> events) {
        return publishNow(events, null);
    }

    /**
     * Publishes {@code events}: one script call, atomic; with an idempotency key, once. In Redis
     * Cluster, where a script touches one hash slot only, events of different slots go in one call
     * per slot, each atomic and each with its own copy of the idempotency key, so that a retry
     * publishes only what a failed call left out.
     */
    private CompletionStage<List<Offset>> publishNow(List<Bus.Outgoing> events, String idempotencyKey) {
        if (!cluster) {
            return publishScript(events, idempotencyKey);
        }
        Map<Integer, List<Integer>> positionsBySlot = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            int slot = ClusterSlots.of(RedisKeys.key(namespace, events.get(i).topic(), "meta"));
            positionsBySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
        }
        if (positionsBySlot.size() == 1) {
            return publishScript(events, idempotencyKey);
        }
        Offset[] offsets = new Offset[events.size()];
        List<CompletableFuture<Void>> calls = new ArrayList<>(positionsBySlot.size());
        for (List<Integer> positions : positionsBySlot.values()) {
            List<Bus.Outgoing> group = new ArrayList<>(positions.size());
            for (int position : positions) {
                group.add(events.get(position));
            }
            calls.add(publishScript(group, idempotencyKey).thenAccept(published -> {
                for (int i = 0; i < positions.size(); i++) {
                    offsets[positions.get(i)] = published.get(i);
                }
            }).toCompletableFuture());
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).handle((done, error) -> {
            if (error != null) {
                long failed = calls.stream().filter(CompletableFuture::isCompletedExceptionally).count();
                throw new BusUnavailableException("Redis refused " + failed + " of the " + calls.size()
                        + " hash-slot groups of this batch; the others were published (retry with the same "
                        + "idempotency key to publish the rest once)", error);
            }
            return List.of(offsets);
        });
    }

    /** One script call publishing {@code events}, all of one hash slot, atomically; with an idempotency key, once. */
    private CompletionStage<List<Offset>> publishScript(List<Bus.Outgoing> events, String idempotencyKey) {
        return pubSub.mode().thenCompose(mode -> publishScript(mode, events, idempotencyKey));
    }

    private CompletionStage<List<Offset>> publishScript(PubSubMode mode, List<Bus.Outgoing> events,
                                                       String idempotencyKey) {
        List<Object> keys = new ArrayList<>(events.size() * 3 + 1);
        List<Object> args = new ArrayList<>(6 + events.size() * 2);
        args.add(Epochs.suffix());
        args.add(String.valueOf(historySize));
        args.add(String.valueOf(historyTtlSeconds));
        args.add(String.valueOf(historyBytes));
        args.add(idempotencyKey == null ? "0" : "1");
        args.add(durability.durableRunId());
        for (Bus.Outgoing event : events) {
            keys.addAll(RedisKeys.logKeys(namespace, event.topic()));
            args.add(mode.channel(namespace, event.topic()));
            args.add(event.envelope());
        }
        if (idempotencyKey != null) {
            keys.add(RedisKeys.key(namespace, events.get(0).topic(), "published:" + idempotencyKey));
        }
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                PUBLISH_SCRIPTS.get(mode), RScript.ReturnType.LIST, keys, args.toArray());
        return result.handle((offsets, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the publish: " + error.getMessage(), error);
            }
            answered = true;
            List<Offset> parsed = new ArrayList<>(offsets.size());
            for (Object offset : offsets) {
                parsed.add(Offset.parse(offset.toString()).orElseThrow(
                        () -> new IllegalStateException("publish script returned " + offset)));
            }
            return parsed;
        });
    }

    /** See {@link Bus#history(Topic, Optional, int, long)}. */
    CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        List<Object> keys = List.copyOf(RedisKeys.logKeys(namespace, topic));
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                HISTORY_SCRIPT, RScript.ReturnType.LIST, keys,
                since.map(Offset::epoch).orElse(""), String.valueOf(since.map(Offset::seq).orElse(0L)),
                String.valueOf(since.isPresent() ? limit : 0), Epochs.suffix(), Offset.MARKER_SUFFIX,
                String.valueOf(historyTtlSeconds), String.valueOf(Math.max(1, maxBytes)));
        return result.handle((reply, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the history read: " + error.getMessage(), error);
            }
            return toHistory(topic, since, reply);
        });
    }

    /**
     * See {@link Bus#position}. Outside Redis Cluster, reads that come while one is in flight go
     * together in the next script call ({@link Coalescer}); in Redis Cluster, where a script may only
     * touch keys of one hash slot and topics seldom share one, each topic is read by a call of its own.
     */
    CompletionStage<Offset> position(Topic topic) {
        List<Topic> one = List.of(topic);
        return (positions == null ? positionsNow(one) : positions.submit(one)).thenApply(read -> read.get(0));
    }

    /** One positions.lua call: where each of {@code topics} stands, in order (all of one hash slot in Redis Cluster). */
    private CompletionStage<List<Offset>> positionsNow(List<Topic> topics) {
        List<Object> keys = new ArrayList<>(topics.size());
        for (Topic topic : topics) {
            keys.add(RedisKeys.key(namespace, topic, "meta"));
        }
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                POSITIONS_SCRIPT, RScript.ReturnType.LIST, keys, Epochs.suffix());
        return result.handle((reply, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the position read: " + error.getMessage(), error);
            }
            long now = Long.parseLong(reply.get(0).toString());
            List<Offset> read = new ArrayList<>(topics.size());
            for (int i = 0; i < topics.size(); i++) {
                String epoch = reply.get(1 + 2 * i).toString();
                // no lineage: the topic stands at a marker of now, as History.of answers without an offset
                read.add(epoch.isEmpty() ? Offset.marker(now)
                        : new Offset(epoch, Long.parseLong(reply.get(2 + 2 * i).toString())));
            }
            return read;
        });
    }

    /** Reads history.lua's reply; an entry that is not of our format is skipped, never trusted. */
    private History toHistory(Topic topic, Optional<Offset> since, List<Object> reply) {
        String epoch = reply.get(0).toString();
        long now = Long.parseLong(reply.get(6).toString());
        long redisStarted = Long.parseLong(reply.get(5).toString());
        long lineTtlMs = LINE_TTL_FACTOR * historyTtlSeconds * 1000;
        if (epoch.isEmpty()) {
            return History.of(since, null, now, redisStarted, lineTtlMs, 1, List.of());
        }
        Lineage lineage = new Lineage(epoch, Long.parseLong(reply.get(1).toString()),
                Lineage.parseLinks(reply.get(3).toString()), Long.parseLong(reply.get(4).toString()));
        long firstRetained = Long.parseLong(reply.get(2).toString());
        List<BusMessage> events = new ArrayList<>(Math.max(0, reply.size() - HISTORY_HEADER));
        for (int i = HISTORY_HEADER; i < reply.size(); i++) {
            BusMessage.parse(topic, reply.get(i).toString()).ifPresent(events::add);
        }
        return History.of(since, lineage, now, redisStarted, lineTtlMs, firstRetained, events);
    }

    /** One round trip to the Redis that holds the log (a read-only script, so a replica-routed read does not pass for it). */
    CompletionStage<Void> ping() {
        RFuture<Long> result = scripts.evalAsync(RScript.Mode.READ_ONLY, "return 1", RScript.ReturnType.LONG, List.of());
        return result.handle((pong, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis does not answer: " + error.getMessage(), error);
            }
            answered = true;
            return null;
        });
    }
}
