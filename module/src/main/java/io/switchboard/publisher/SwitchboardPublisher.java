package io.switchboard.publisher;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.PublishException;
import io.switchboard.internal.bus.RedisPublishingBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.lifecycle.RecordedThreads;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes to Switchboard channels and users from any JVM process that serves no sockets (a batch
 * job, a message consumer, a CLI), with the guarantees of a node's publish: per-channel offsets
 * that are contiguous, history kept for replay, publish order kept, batches all or none, and
 * idempotency keys. No servlet container, no HTTP: it talks to the cluster's Redis directly, and
 * needs only the module jar and its dependencies (not the servlet or WebSocket API).
 *
 * <p><b>Configuration</b> is the module's ({@link Builder}, or {@link #fromEnvironment()} for the
 * {@code switchboard.*} system properties and {@code SWITCHBOARD_*} variables). The namespace
 * and the history settings must be the cluster's: the publish script trims each channel's
 * history with them.
 *
 * <p><b>What it does not do:</b> it subscribes to nothing, receives nothing, announces no node
 * and holds no sockets. Its events carry its {@link #nodeId()} as their origin.
 *
 * <p><b>Results.</b> Names and sizes are checked at once: a bad one throws
 * {@link IllegalArgumentException} and publishes nothing. A stage completes with the offsets once
 * Redis took the events, or fails with {@link PublishException} when nothing was published.
 *
 * <p><b>Threading.</b> Thread-safe. Publishing never blocks the caller on I/O; {@link #close()}
 * does. Publishes made one after another (by one thread, or ordered by the caller) are published
 * in that order: they go to Redis from one publish thread, which waits before the first of them
 * (up to 5 s) for the first reading of Redis's persistence settings, recorded with every publish.
 * Stages complete on Redisson's threads: do not block in dependent actions.
 */
public final class SwitchboardPublisher implements AutoCloseable {
    /** Publishes waiting for the publish thread; more fail at once (Redis is not keeping up). */
    private static final int PUBLISHES_WAITING = 10_000;
    private static final long FIRST_VERDICT_WAIT_SECONDS = 5;
    /** How long {@link #close()} waits for publishes already made to be answered. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(15);

    private final String nodeId;
    private final RedisPublishingBus bus;
    private final Publisher publisher;
    private final RecordedThreads publishThread = new RecordedThreads("switchboard-publish", true);
    private final ThreadPoolExecutor publishWorker;
    /** Publishes handed to the core whose stage has not completed yet; close() waits for them. */
    private final Set<CompletableFuture<?>> unanswered = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The publish thread (and close(), once it has ended): whether the first durability verdict was waited for. */
    private volatile boolean verdictAwaited;

    private SwitchboardPublisher(PublisherSettings settings, MeterRegistry meters) {
        this.nodeId = settings.nodeId();
        this.bus = settings.openBus();
        this.publishWorker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(PUBLISHES_WAITING), publishThread);
        this.publisher = new Publisher(bus, nodeId, settings.maxDataBytes(), settings.maxBatch(),
                NodeStats.ofStandalonePublisher(meters),
                command -> publishWorker.execute(() -> {
                    awaitFirstVerdict();
                    command.run();
                }), closed::get);
        bus.start(message -> { });
    }

    /** A builder: set Redis (a URL or a Redisson YAML file) and, when not the defaults, the cluster's settings. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A publisher configured like the module from the {@code switchboard.*} JVM system properties,
     * then the environment ({@code switchboard.history-size} ↔ {@code SWITCHBOARD_HISTORY_SIZE}):
     * {@code redis} or {@code redisson-config}, {@code namespace}, {@code history-size},
     * {@code history-bytes}, {@code history-ttl}, {@code max-data}, {@code max-batch}, and
     * {@code node-id} (default {@code publisher-<host>-<pid>}). Other keys are not read.
     *
     * @throws IllegalArgumentException when no Redis is configured or a setting is invalid (the
     *                                  message names it)
     */
    public static SwitchboardPublisher fromEnvironment() {
        return from(new ConfigSource(key -> null, System::getProperty, System.getenv()));
    }

    static SwitchboardPublisher from(ConfigSource source) {
        return from(source, new SimpleMeterRegistry());
    }

    static SwitchboardPublisher from(ConfigSource source, MeterRegistry meters) {
        return new SwitchboardPublisher(PublisherSettings.read(source), meters);
    }

    /**
     * Publishes an event to every subscriber of {@code channel} on every node.
     *
     * @param channel a channel name: 1 to 128 of {@code [A-Za-z0-9_.:@-]}, not starting with {@code @}
     * @param event   the event name, 1 to 128 printable characters
     * @param data    anything Jackson can serialize (a {@code Map}, a record, a {@code JsonNode}, ...), or {@code null}
     * @return the offset ({@code <epoch>-<seq>}) the event received
     * @throws IllegalArgumentException on a bad channel or event name, or data over {@code max-data}
     */
    public CompletionStage<String> publish(String channel, String event, Object data) {
        Topic topic = Refusal.asIllegalArgument(() -> Publisher.channel(channel));
        return publishOne(new Publisher.Draft(topic, event, Json.tree(data)));
    }

    /**
     * Events addressed to one user: every session of that user, on every node.
     *
     * @throws IllegalArgumentException on an invalid user id
     */
    public UserPublisher toUser(String userId) {
        Topic topic = Refusal.asIllegalArgument(() -> Publisher.user(userId));
        return (event, data) -> publishOne(new Publisher.Draft(topic, event, Json.tree(data)));
    }

    /** Like {@link #publish(List, String)} without an idempotency key. */
    public CompletionStage<List<String>> publish(List<Event> events) {
        return publish(events, null);
    }

    /**
     * Publishes a batch atomically (all or none), in order, as the HTTP API's batch does; with an
     * idempotency key, at most once per key: while the key is remembered (as long as history is
     * kept, {@code history-ttl}), a repeat publishes nothing and completes with the offsets of the
     * first. Retry a publish whose stage failed or never completed with the same key. A key names
     * one request: the events of a repeat are not compared.
     *
     * @param idempotencyKey 1 to 100 of {@code [A-Za-z0-9._:-]}, or {@code null} for none
     * @return the offsets, in the order of {@code events}
     * @throws IllegalArgumentException on an empty batch, one over {@code max-batch}, a bad
     *                                  key, or a bad event (the message names it: {@code events[i]: ...})
     */
    public CompletionStage<List<String>> publish(List<Event> events, String idempotencyKey) {
        Objects.requireNonNull(events, "events");
        List<Publisher.Draft> drafts = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event event = Objects.requireNonNull(events.get(i), "events[" + i + "]");
            try {
                drafts.add(new Publisher.Draft(event.topic(), event.event(), Json.tree(event.data())));
            } catch (Refusal | IllegalArgumentException bad) {
                throw new IllegalArgumentException("events[" + i + "]: " + bad.getMessage(), bad);
            }
        }
        return track(Refusal.asIllegalArgument(() -> publisher.publish(Publisher.Door.STANDALONE, drafts, idempotencyKey)))
                .thenApply(offsets -> offsets.stream().map(Offset::toString).toList());
    }

    /** The origin node id its events carry ({@code node} of their envelope). */
    public String nodeId() {
        return nodeId;
    }

    /**
     * Stops taking publishes (they fail with {@link PublishException} from now on), waits up to
     * 15 s for the publishes already made to be answered, then ends every thread and connection
     * it started. A publish still unanswered then fails. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + CLOSE_GRACE.toNanos();
        publishWorker.shutdown(); // what is queued still goes to Redis, in order
        try {
            if (publishWorker.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS)) {
                CompletableFuture.allOf(unanswered.toArray(CompletableFuture[]::new))
                        .get(remaining(deadline), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            // a failed publish's stage holds its failure; one still unanswered fails below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Runnable> neverSent = publishWorker.shutdownNow();
        bus.close(); // fails what Redis has not answered
        neverSent.forEach(Runnable::run); // the bus is closed: each fails its stage, publishing nothing
        publishThread.awaitEnd(Duration.ofSeconds(5));
    }

    /** Publishes to one user; see {@link SwitchboardPublisher#toUser}. */
    @FunctionalInterface
    public interface UserPublisher {
        /** Like {@link SwitchboardPublisher#publish(String, String, Object)}, to every session of the user. */
        CompletionStage<String> publish(String event, Object data);
    }

    /**
     * Settings of a publisher, by the module's keys (see the README's configuration table); what
     * is not set has the module's default. Not thread-safe; {@link #build()} may be called again.
     */
    public static final class Builder {
        private final Map<String, String> settings = new HashMap<>();
        private MeterRegistry meters;

        private Builder() {
        }

        /** {@code switchboard.redis}: {@code redis://[user:password@]host:port[/db]} or {@code rediss://...}. */
        public Builder redis(String url) {
            return set(SwitchboardConfig.REDIS, url);
        }

        /** {@code switchboard.redisson-config}: a Redisson YAML file (single, sentinel, cluster); wins over {@link #redis}. */
        public Builder redissonConfig(Path file) {
            return set(SwitchboardConfig.REDISSON_CONFIG, file.toAbsolutePath().toString());
        }

        /** {@code switchboard.namespace}: must be the cluster's (default {@code switchboard}). */
        public Builder namespace(String namespace) {
            return set(SwitchboardConfig.NAMESPACE, namespace);
        }

        /** {@code switchboard.history-size}: must be the cluster's (default 1000). */
        public Builder historySize(int events) {
            return set(SwitchboardConfig.HISTORY_SIZE, Integer.toString(events));
        }

        /** {@code switchboard.history-bytes}: must be the cluster's (default 1048576). */
        public Builder historyBytes(int bytes) {
            return set(SwitchboardConfig.HISTORY_BYTES, Integer.toString(bytes));
        }

        /** {@code switchboard.history-ttl}, whole seconds: must be the cluster's (default 1 day). */
        public Builder historyTtl(Duration ttl) {
            if (ttl.isNegative() || ttl.toMillis() % 1000 != 0) {
                throw new IllegalArgumentException(SwitchboardConfig.HISTORY_TTL + " is whole seconds, was " + ttl);
            }
            return set(SwitchboardConfig.HISTORY_TTL, Long.toString(ttl.toSeconds()));
        }

        /** {@code switchboard.max-data}: bytes of an event's data (default 65536, as a node's). */
        public Builder maxData(int bytes) {
            return set(SwitchboardConfig.MAX_DATA, Integer.toString(bytes));
        }

        /** {@code switchboard.max-batch}: events per batch (default 100). */
        public Builder maxBatch(int events) {
            return set(SwitchboardConfig.MAX_BATCH, Integer.toString(events));
        }

        /** {@code switchboard.node-id}: the origin its events carry (default {@code publisher-<host>-<pid>}). */
        public Builder nodeId(String nodeId) {
            return set(SwitchboardConfig.NODE_ID, nodeId);
        }

        /**
         * Where the publisher's meters go: {@code switchboard_publishes_total},
         * {@code switchboard_publish_failures_total} and {@code switchboard_publish_latency_seconds},
         * all with {@code door="standalone"} (see the README's metrics table). None by default.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meters = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * A running publisher. It connects to Redis on its first publish: an unreachable Redis fails
         * publishes, not this call.
         *
         * @throws IllegalArgumentException when no Redis is configured or a setting is invalid
         */
        public SwitchboardPublisher build() {
            return from(new ConfigSource(settings::get, key -> null, Map.of()),
                    meters == null ? new SimpleMeterRegistry() : meters);
        }

        private Builder set(String key, String value) {
            settings.put(key, Objects.requireNonNull(value, key));
            return this;
        }
    }

    private CompletionStage<String> publishOne(Publisher.Draft draft) {
        return track(Refusal.asIllegalArgument(() -> publisher.publish(Publisher.Door.STANDALONE, draft))).thenApply(Offset::toString);
    }

    private <T> CompletableFuture<T> track(CompletionStage<T> stage) {
        CompletableFuture<T> future = stage.toCompletableFuture();
        unanswered.add(future);
        future.whenComplete((result, error) -> unanswered.remove(future));
        return future;
    }

    /** On the publish thread, before the first publish: see {@link RedisPublishingBus#firstVerdict()}. */
    private void awaitFirstVerdict() {
        if (verdictAwaited) {
            return;
        }
        verdictAwaited = true;
        try {
            bus.firstVerdict().toCompletableFuture().get(FIRST_VERDICT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Redis is slow or away: publish anyway, counted as not durable (safe), or failing as Redis does
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: the publish fails on the closed bus
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

}
