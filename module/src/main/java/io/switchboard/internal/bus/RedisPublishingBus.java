package io.switchboard.internal.bus;

import io.switchboard.internal.lifecycle.RecordedThreads;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The bus of a process that publishes and serves no sockets (a batch job, a message consumer, a
 * CLI). It publishes through the same {@link RedisEventLog} as {@link RedisBus} (see
 * {@link RedisLogBus}), so events get the same offsets, history trimming and idempotency keys as a
 * node's, and it runs the same {@link RedisDurability} check, whose verdict every publish hands to
 * the script (it records whether a topic's epoch could lose acknowledged events).
 *
 * <p>It receives nothing: no pub/sub subscription, no probe, no inbox, no node figures, no
 * presence. The operations that need them fail with {@link UnsupportedOperationException};
 * {@link #receiving()} is false.
 *
 * <p>Threading: one daemon thread, {@code switchboard-redis-durability-1}, runs the durability
 * check. Redisson's network and reply threads are made by this bus too ({@code switchboard-redis-*}),
 * so that {@link #close} waits for exactly its own threads to end: another Redisson client in the
 * same process (a second publisher) does not hold it up.
 */
public final class RedisPublishingBus extends RedisLogBus {
    /** Redisson's reply threads: they only complete the callers' stages. */
    private static final int REPLY_THREADS = 2;

    private final RedissonThreads redisThreads;
    private final RecordedThreads checkThread = new RecordedThreads("switchboard-redis-durability", true);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(checkThread);
    /** Completes once the first durability check has settled; see {@link #firstVerdict()}. */
    private final CompletableFuture<Void> firstVerdict = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param redisConfig  Redisson's settings ({@link RedisClients#publishingConfig}, {@link RedisClients#yamlConfig});
     *                     its threads are set here
     * @param historySize  events a topic's history keeps: must be the cluster's, the script trims with it
     * @param historyBytes bytes a topic's history may hold: must be the cluster's
     * @param historyTtl   how long an event stays in history: must be the cluster's
     */
    public RedisPublishingBus(Config redisConfig, String namespace, int historySize, long historyBytes,
                              Duration historyTtl) {
        this(new RedissonThreads(), redisConfig, namespace, historySize, historyBytes, historyTtl);
    }

    // The threads exist before the client, which the super constructor creates from the config they were set on.
    private RedisPublishingBus(RedissonThreads redisThreads, Config redisConfig, String namespace, int historySize,
                               long historyBytes, Duration historyTtl) {
        super(RedisClients.create(redisThreads.setOn(redisConfig)), namespace, historySize, historyBytes, historyTtl);
        this.redisThreads = redisThreads;
    }

    @Override
    ScheduledExecutorService ownThread() {
        return scheduler;
    }

    /** The threads Redisson runs on, made and recorded by this bus. */
    private static final class RedissonThreads {
        private final RecordedThreads recorded = new RecordedThreads("switchboard-redis", false);
        private final ExecutorService replies = Executors.newFixedThreadPool(REPLY_THREADS, recorded);

        Config setOn(Config redisConfig) {
            // Netty runs each event loop on a thread of this executor; Redisson does not stop executors it was given.
            redisConfig.setNettyExecutor(loop -> recorded.newThread(loop).start());
            redisConfig.setExecutor(replies);
            return redisConfig;
        }

        void end(Duration timeout) {
            replies.shutdownNow();
            recorded.awaitEnd(timeout);
        }
    }

    /**
     * Starts the durability check (at once, then every {@link RedisDurability#CHECK_INTERVAL}).
     * Nothing is ever delivered to {@code listener}: this bus subscribes to nothing.
     */
    @Override
    public void start(BusListener listener) {
        // Ask now which pub/sub the events go out with, on the bus's thread (see RedisBus#start).
        scheduler.execute(pubSub::mode);
        scheduler.execute(() -> durability.check().whenComplete((settled, error) -> firstVerdict.complete(null)));
        long interval = RedisDurability.CHECK_INTERVAL.toMillis();
        scheduler.scheduleWithFixedDelay(durability::check, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes (never exceptionally) once the first durability check has settled, whether Redis
     * answered or not. A publish made before it goes out as not durable, which is safe but makes a
     * Redis restart look lossy for its topic: a publisher that has just started waits for this.
     */
    public CompletionStage<Void> firstVerdict() {
        return firstVerdict.minimalCompletionStage();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        return closed.get() ? closedFailure() : super.publish(events);
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        return closed.get() ? closedFailure() : super.publish(events, idempotencyKey);
    }

    /** Always false: this bus holds no subscription that could receive. */
    @Override
    public boolean receiving() {
        return false;
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        throw publishOnly("subscribe");
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        throw publishOnly("unsubscribe");
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        throw publishOnly("announce");
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        throw publishOnly("nodes");
    }

    @Override
    public CompletionStage<Boolean> writePresence(PresenceWrite write) {
        throw publishOnly("writePresence");
    }

    @Override
    public CompletionStage<PresenceSnapshot> presence(String channel) {
        throw publishOnly("presence");
    }

    @Override
    public void openInbox(String nodeId, Consumer<String> inbox) {
        throw publishOnly("openInbox");
    }

    @Override
    public CompletionStage<Void> sendToNode(String nodeId, String message) {
        throw publishOnly("sendToNode");
    }

    @Override
    public CompletionStage<Void> sendToAll(String message) {
        throw publishOnly("sendToAll");
    }

    /**
     * Publishes from now on fail; then the durability thread, then Redisson and its threads (a
     * publish still in flight fails with Redisson's shutdown). No thread of the bus outlives this
     * call (unless one takes over 5 s to end). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        scheduler.shutdownNow();
        firstVerdict.complete(null); // nobody waits for a check that will not run
        // Quiet period 0: whoever cared about a publish in flight waited for it before closing.
        redisson.shutdown(0, 5, TimeUnit.SECONDS); // also stops its timer thread, and waits for it
        redisThreads.end(Duration.ofSeconds(5));
        checkThread.awaitEnd(Duration.ofSeconds(5));
    }

    private static <T> CompletionStage<T> closedFailure() {
        return CompletableFuture.failedFuture(new BusUnavailableException("the bus is closed", null));
    }

    private static UnsupportedOperationException publishOnly(String operation) {
        return new UnsupportedOperationException(operation + ": this bus only publishes (see RedisPublishingBus)");
    }
}
