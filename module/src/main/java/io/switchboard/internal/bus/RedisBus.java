package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.switchboard.internal.lifecycle.OwnedThreads;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import org.redisson.api.RFuture;
import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.MessageListener;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The bus over Redis, through Redisson. Every value crosses Redis as a string ({@link StringCodec}):
 * no codec that builds objects from Redis data is ever used.
 *
 * <ul>
 *   <li>Publishing is one Lua script per batch ({@code publish.lua}): sequence, history and
 *       PUBLISH in one atomic step.</li>
 *   <li>Each topic is a Redis pub/sub channel ({@link Topic#pubSubName}); the node subscribes to
 *       it only while it has local interest.</li>
 * </ul>
 *
 * <p>Threading: Redisson delivers messages on its own threads; subscription attempts that must
 * be retried while Redis is down run on {@code scheduler}, a single daemon thread owned by this bus, which also
 * runs the probe: every second the bus publishes to a channel of its own and expects the message
 * back, so it knows whether its subscriptions really receive ({@link #receiving()}).
 */
public final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    /** Functions both scripts use on a topic's two history lists; a script cannot include another. */
    private static final String PRELUDE = script("history-lists.lua") + script("topic-lineage.lua");
    private static final String PUBLISH_SCRIPT = PRELUDE + script("publish.lua");
    private static final String HISTORY_SCRIPT = PRELUDE + script("history.lua");
    /** Values before the events in a history reply (see history.lua). */
    private static final int HISTORY_HEADER = 8;
    /**
     * A topic's meta outlives its last event by this many history ages (publish.lua), so that a
     * client holding the last offset of a quiet channel still resumes as recovered after its
     * events aged out.
     */
    private static final int LINE_TTL_FACTOR = 2;
    private static final Duration SUBSCRIBE_RETRY = Duration.ofSeconds(1);
    /** Events per coalesced script call: big enough to amortize a round trip, small enough not to stall Redis. */
    private static final int MAX_COALESCED = 256;
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** A topic's own check message: not an event (offsets never start with '~'), ignored by every node. */
    private static final String CHECK_PREFIX = "~check ";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration NODE_FIGURES_TTL = Duration.ofSeconds(30);
    private static final Duration DURABILITY_CHECK_INTERVAL = Duration.ofSeconds(2);

    /** Per-topic warnings: with many topics (which clients choose), one line per kind per minute. */
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));

    private final RedissonClient redisson;
    private final String namespace;
    private final int historySize;
    private final long historyBytes;
    private final long historyTtlSeconds;
    private final RScript scripts;
    private final RMap<String, String> nodeFigures;
    private final Map<Topic, TopicSubscription> subscriptions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "switchboard-redis-bus");
        thread.setDaemon(true);
        return thread;
    });
    private final Registration probeTopic;
    /** Redis Cluster: a script may only touch keys of one hash slot, so a batch is published slot by slot. */
    private final boolean cluster;
    private final PublishCoalescer coalescer; // null in Redis Cluster (see publish)
    private volatile BusListener listener = message -> { };
    private volatile boolean closed;
    private volatile boolean receiving = true;
    private volatile long lastProbeNanos = System.nanoTime();
    private final RedisDurability durability;

    public RedisBus(RedissonClient redisson, String namespace, int historySize, Duration historyTtl) {
        this(redisson, namespace, historySize, Long.MAX_VALUE / 4, historyTtl);
    }

    /**
     * @param historyBytes bytes a topic's history may hold (at least its newest event is kept)
     */
    public RedisBus(RedissonClient redisson, String namespace, int historySize, long historyBytes, Duration historyTtl) {
        this.redisson = redisson;
        this.namespace = namespace;
        this.historySize = historySize;
        this.historyBytes = historyBytes;
        this.historyTtlSeconds = historyTtl.toSeconds();
        this.durability = new RedisDurability(redisson);
        this.scripts = redisson.getScript(StringCodec.INSTANCE);
        this.nodeFigures = redisson.getMap(namespace + ":nodes", StringCodec.INSTANCE);
        this.cluster = redisson.getConfig().isClusterConfig();
        // Coalescing merges independent callers into one call; in Redis Cluster that call would be split
        // by slot again, and a failure in one slot would fail callers whose events were published.
        this.coalescer = cluster ? null : new PublishCoalescer(MAX_COALESCED, this::publishNow);
        String probeChannel = namespace + ":probe:" + Epochs.next();
        this.probeTopic = new Registration(probeChannel, (channel, message) -> probeArrived(), () -> { });
    }

    @Override
    public void start(BusListener listener) {
        this.listener = listener;
        probeTopic.register();
        scheduler.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(durability::check, 0, DURABILITY_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        return coalescer == null ? publishNow(events) : coalescer.publish(events);
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        // Never coalesced: the key must cover exactly this request's events.
        return publishNow(events, idempotencyKey);
    }

    private CompletionStage<List<Offset>> publishNow(List<Outgoing> events) {
        return publishNow(events, null);
    }

    /**
     * Publishes {@code events}: one script call, atomic; with an idempotency key, once. In Redis
     * Cluster, where a script touches one hash slot only, events of different slots go in one call
     * per slot, each atomic and each with its own copy of the idempotency key, so that a retry
     * publishes only what a failed call left out.
     */
    private CompletionStage<List<Offset>> publishNow(List<Outgoing> events, String idempotencyKey) {
        if (!cluster) {
            return publishScript(events, idempotencyKey);
        }
        Map<Integer, List<Integer>> positionsBySlot = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            int slot = ClusterSlots.of(events.get(i).topic().key(namespace, "meta"));
            positionsBySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
        }
        if (positionsBySlot.size() == 1) {
            return publishScript(events, idempotencyKey);
        }
        Offset[] offsets = new Offset[events.size()];
        List<CompletableFuture<Void>> calls = new ArrayList<>(positionsBySlot.size());
        for (List<Integer> positions : positionsBySlot.values()) {
            List<Outgoing> group = new ArrayList<>(positions.size());
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
    private CompletionStage<List<Offset>> publishScript(List<Outgoing> events, String idempotencyKey) {
        List<Object> keys = new ArrayList<>(events.size() * 3 + 1);
        List<Object> args = new ArrayList<>(6 + events.size() * 2);
        args.add(Epochs.suffix());
        args.add(String.valueOf(historySize));
        args.add(String.valueOf(historyTtlSeconds));
        args.add(String.valueOf(historyBytes));
        args.add(idempotencyKey == null ? "0" : "1");
        args.add(durability.durable() ? "1" : "0");
        for (Outgoing event : events) {
            keys.add(event.topic().key(namespace, "meta"));
            keys.add(event.topic().key(namespace, "history"));
            keys.add(event.topic().key(namespace, "history-times"));
            args.add(event.topic().pubSubName(namespace));
            args.add(event.envelope());
        }
        if (idempotencyKey != null) {
            keys.add(events.get(0).topic().key(namespace, "published:" + idempotencyKey));
        }
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                PUBLISH_SCRIPT, RScript.ReturnType.LIST, keys, args.toArray());
        return result.handle((offsets, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the publish: " + error.getMessage(), error);
            }
            List<Offset> parsed = new ArrayList<>(offsets.size());
            for (Object offset : offsets) {
                parsed.add(Offset.parse(offset.toString()).orElseThrow(
                        () -> new IllegalStateException("publish script returned " + offset)));
            }
            return parsed;
        });
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        TopicSubscription subscription = new TopicSubscription(topic);
        TopicSubscription previous = subscriptions.put(topic, subscription);
        if (previous != null) {
            previous.cancel();
        }
        subscription.attempt();
        return subscription.live;
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        TopicSubscription subscription = subscriptions.remove(topic);
        return subscription == null ? CompletableFuture.completedFuture(null) : subscription.cancel();
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        List<Object> keys = List.of(topic.key(namespace, "meta"), topic.key(namespace, "history"),
                topic.key(namespace, "history-times"));
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

    @Override
    public CompletionStage<Void> ping() {
        RFuture<Long> result = scripts.evalAsync(RScript.Mode.READ_ONLY, "return 1", RScript.ReturnType.LONG, List.of());
        return result.handle((pong, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis does not answer: " + error.getMessage(), error);
            }
            return null;
        });
    }

    @Override
    public boolean receiving() {
        return receiving;
    }

    /** Whether publishes now go out as durable (see {@link RedisDurability}); for tests. */
    boolean durable() {
        return durability.durable();
    }

    /**
     * Publishes a probe on this bus's own channel and checks that the previous one came back.
     * Runs every {@link #PROBE_INTERVAL} on {@code scheduler}.
     */
    private void probe() {
        if (probeTopic.isRegistered()) {
            long sent = System.nanoTime();
            probeTopic.topic().publishAsync(String.valueOf(sent));
        }
        boolean silent = System.nanoTime() - lastProbeNanos > PROBE_TIMEOUT.toNanos();
        if (silent && receiving) {
            receiving = false;
            log.warn("The Redis bus stopped receiving its own probes for {} s: subscriptions are down, health is 503 "
                    + "until they are back", PROBE_TIMEOUT.toSeconds());
        }
    }

    private void probeArrived() {
        lastProbeNanos = System.nanoTime();
        if (!receiving) {
            receiving = true;
            log.info("The Redis bus receives again; re-subscribing {} topic(s) and repairing from history",
                    subscriptions.size());
            // Redisson resubscribes by itself after a reconnect, but has had bugs where some channels
            // stayed silent: check that every topic hears a message of its own, and subscribe anew
            // the ones that do not. (Dropping and re-adding every subscription unconditionally would
            // itself open a window in which live messages are missed.)
            subscriptions.values().forEach(TopicSubscription::verify);
        }
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        long expiresAt = System.currentTimeMillis() + NODE_FIGURES_TTL.toMillis();
        return nodeFigures.fastPutAsync(nodeId, expiresAt + " " + figuresJson).thenApply(ignored -> null);
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        return nodeFigures.readAllMapAsync().thenApply(all -> {
            long now = System.currentTimeMillis();
            Map<String, String> live = new HashMap<>();
            all.forEach((node, value) -> {
                int space = value.indexOf(' ');
                if (space > 0 && Long.parseLong(value.substring(0, space)) > now) {
                    live.put(node, value.substring(space + 1));
                } else {
                    nodeFigures.fastRemoveAsync(node);
                }
            });
            return live;
        });
    }

    @Override
    public CompletionStage<Void> present(Topic channel, String nodeId, Set<String> users, Duration ttl) {
        RMap<String, String> members = redisson.getMap(channel.key(namespace, "presence"), StringCodec.INSTANCE);
        if (users.isEmpty()) {
            return members.fastRemoveAsync(nodeId).thenApply(ignored -> null);
        }
        try {
            String value = (System.currentTimeMillis() + ttl.toMillis()) + " " + Json.MAPPER.writeValueAsString(users);
            return members.fastPutAsync(nodeId, value)
                    .thenCompose(ignored -> members.expireAsync(ttl.multipliedBy(2)))
                    .thenApply(ignored -> null);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Set<String>> members(Topic channel) {
        RMap<String, String> members = redisson.getMap(channel.key(namespace, "presence"), StringCodec.INSTANCE);
        return members.readAllMapAsync().thenApply(byNode -> {
            long now = System.currentTimeMillis();
            Set<String> users = new TreeSet<>();
            byNode.forEach((node, value) -> {
                int space = value.indexOf(' ');
                if (space > 0 && Long.parseLong(value.substring(0, space)) > now) {
                    try {
                        Json.MAPPER.readTree(value.substring(space + 1)).forEach(user -> users.add(user.asText()));
                    } catch (JsonProcessingException e) {
                        log.debug("Skipped unreadable presence entry of node {}", node);
                    }
                }
            });
            return users;
        });
    }

    @Override
    public void close() {
        closed = true;
        subscriptions.values().forEach(TopicSubscription::cancel);
        subscriptions.clear();
        probeTopic.cancel();
        scheduler.shutdownNow();
        // Quiet period 0: nothing is in flight that we still care about. The timeout bounds undeploy.
        redisson.shutdown(0, 5, TimeUnit.SECONDS);
        OwnedThreads.awaitEnd("redisson-", RedisBus.class.getClassLoader(), Duration.ofSeconds(5));
    }

    /**
     * One listener registration on a Redis pub/sub channel, retried until it sticks: Redisson gives
     * up on a registration attempted while Redis is down and does not retry it by itself.
     */
    private final class Registration {
        private final String channel;
        private final RTopic topic;
        private final MessageListener<String> onMessage;
        private final Runnable onLive;
        private final StatusListener onStatus;
        private volatile boolean cancelled;
        private volatile List<Integer> listenerIds = List.of();
        private boolean warned;

        /** @param onLive called each time the channel is (re)subscribed: first time and after reconnects */
        Registration(String channel, MessageListener<String> onMessage, Runnable onLive) {
            this.channel = channel;
            this.topic = redisson.getTopic(channel, StringCodec.INSTANCE);
            this.onMessage = onMessage;
            this.onLive = onLive;
            this.onStatus = new StatusListener() {
                @Override
                public void onSubscribe(String subscribed) {
                    onLive.run();
                }

                @Override
                public void onUnsubscribe(String unsubscribed) {
                }
            };
        }

        RTopic topic() {
            return topic;
        }

        boolean isRegistered() {
            return !listenerIds.isEmpty();
        }

        void register() {
            if (cancelled || closed) {
                return;
            }
            topic.addListenerAsync(String.class, onMessage)
                    .thenCompose(messageId -> topic.addListenerAsync(onStatus)
                            .thenApply(statusId -> List.of(messageId, statusId)))
                    .whenComplete((ids, error) -> {
                        if (error == null) {
                            listenerIds = ids;
                            if (cancelled) {
                                removeListeners(ids);
                                return;
                            }
                            if (warned) {
                                log.info("Subscribed to {} after Redis came back", channel);
                                warned = false;
                            }
                            onLive.run();
                            return;
                        }
                        if (!warned) {
                            warned = true;
                            warnings.warn("subscribe-retry", "Could not subscribe to {} ({}); retrying every {} s "
                                    + "until Redis answers", channel, error.getMessage(), SUBSCRIBE_RETRY.toSeconds());
                        }
                        try {
                            scheduler.schedule(this::register, SUBSCRIBE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                        } catch (RejectedExecutionException shuttingDown) {
                            log.debug("Not retrying {}: the bus is closing", channel);
                        }
                    });
        }

        /** Drops the registration and registers anew, which makes Redisson SUBSCRIBE again. */
        void renew() {
            List<Integer> ids = listenerIds;
            listenerIds = List.of();
            removeListeners(ids).whenComplete((ignored, error) -> register());
        }

        CompletionStage<Void> cancel() {
            cancelled = true;
            List<Integer> ids = listenerIds;
            listenerIds = List.of();
            return closed ? CompletableFuture.completedFuture(null) : removeListeners(ids);
        }

        private CompletionStage<Void> removeListeners(List<Integer> ids) {
            if (ids.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            return topic.removeListenerAsync(ids.toArray(Integer[]::new)).handle((ignored, error) -> null);
        }
    }

    /**
     * A topic's subscription: live once Redis confirmed it, resumed after every re-subscribe, and
     * verified end to end after Redis came back ({@link #verify}).
     */
    private final class TopicSubscription {
        private final Topic topic;
        private final CompletableFuture<Void> live = new CompletableFuture<>();
        private final Registration registration;
        private volatile String awaitedCheck; // the check message this subscription waits to hear, if any
        private volatile boolean renewing; // subscribed anew because a check went unheard: verify again once live
        private volatile boolean cancelled;

        TopicSubscription(Topic topic) {
            this.topic = topic;
            this.registration = new Registration(topic.pubSubName(namespace), this::onWire, this::subscribed);
        }

        private void onWire(CharSequence channel, String wire) {
            if (wire.startsWith(CHECK_PREFIX)) {
                if (wire.substring(CHECK_PREFIX.length()).equals(awaitedCheck)) {
                    awaitedCheck = null;
                }
                return; // a check message, of this node or of another: never an event
            }
            BusMessage.parse(topic, wire).ifPresentOrElse(
                    message -> listener.onMessage(message),
                    () -> warnings.warn("foreign-message", "Ignored a message on {} that is not in Switchboard's format",
                            channel));
        }

        void attempt() {
            registration.register();
        }

        private void subscribed() {
            if (!live.complete(null)) {
                // Not the first subscribe: a resubscribe after a reconnect; events may have been missed.
                listener.onResumed(topic);
                if (renewing) {
                    renewing = false;
                    verify();
                }
            }
        }

        /**
         * Publishes a check message on the topic's own channel; if this subscription does not hear
         * it within {@link #CHECK_TIMEOUT}, the channel is silent for us: subscribe anew (and check
         * again once that is live). Other nodes on the channel receive the check and ignore it.
         */
        void verify() {
            if (cancelled || closed) {
                return;
            }
            String token = Epochs.next();
            awaitedCheck = token;
            registration.topic().publishAsync(CHECK_PREFIX + token);
            try {
                scheduler.schedule(() -> checkDue(token), CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("Not checking {}: the bus is closing", topic);
            }
        }

        private void checkDue(String token) {
            if (cancelled || closed || !token.equals(awaitedCheck)) {
                return; // heard, replaced by a newer check, or no longer wanted
            }
            awaitedCheck = null;
            warnings.warn("check-missed", "Channel {} did not hear its own check message within {} s after Redis "
                    + "came back; subscribing to it anew", registration.channel, CHECK_TIMEOUT.toSeconds());
            renewing = true;
            registration.renew();
        }

        CompletionStage<Void> cancel() {
            cancelled = true;
            live.completeExceptionally(new BusUnavailableException("unsubscribed from " + topic, null));
            return registration.cancel();
        }
    }

    private static String script(String name) {
        try (InputStream in = RedisBus.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
