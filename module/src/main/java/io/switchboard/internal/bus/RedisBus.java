package io.switchboard.internal.bus;

import io.switchboard.internal.lifecycle.OwnedThreads;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The bus over Redis, through Redisson. Every value crosses Redis as a string ({@link StringCodec}):
 * no codec that builds objects from Redis data is ever used. Redis names are {@link RedisKeys}'.
 *
 * <p>Four parts do the work: {@link RedisEventLog} (set up by {@link RedisLogBus}) publishes (one Lua
 * script call per batch: sequence, history and PUBLISH, or SPUBLISH in a Redis 7 Cluster ({@link PubSubMode}),
 * in one atomic step) and reads history;
 * {@link RedisSubscriptions} holds a pub/sub subscription per topic with local interest and probes
 * whether they receive;
 * {@link RedisDirectory} keeps the node figures; {@link RedisPresence} the presence channels'
 * members and their joins and leaves. This class wires them,
 * owns the threads and closes them in order.
 *
 * <p>Threading: Redisson runs its own threads (network, timer; messages are dispatched on the network
 * thread that read them, see {@link InlineExecutor}). The bus owns one
 * more, {@code scheduler}, a single daemon thread that runs the subscriptions' probe, retries and
 * check deadlines, and the periodic {@link RedisDurability} check. {@link #close} ends both.
 */
public final class RedisBus extends RedisLogBus {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "switchboard-redis-bus");
        thread.setDaemon(true);
        return thread;
    });
    private final RedisSubscriptions subscriptions;
    private final RedisDirectory directory;
    private final RedisPresence presence;

    public RedisBus(RedissonClient redisson, String namespace, int historySize, Duration historyTtl) {
        this(redisson, namespace, historySize, Long.MAX_VALUE / 4, historyTtl);
    }

    /**
     * @param historyBytes bytes a topic's history may hold (at least its newest event is kept)
     */
    public RedisBus(RedissonClient redisson, String namespace, int historySize, long historyBytes, Duration historyTtl) {
        super(redisson, namespace, historySize, historyBytes, historyTtl);
        this.subscriptions = new RedisSubscriptions(redisson, namespace, pubSub, scheduler);
        this.directory = new RedisDirectory(redisson, namespace);
        this.presence = new RedisPresence(redisson, namespace, historySize, historyBytes, historyTtl, durability, pubSub);
    }

    @Override
    ScheduledExecutorService ownThread() {
        return scheduler;
    }

    @Override
    public void start(BusListener listener) {
        // Ask now which pub/sub the topics use, on the bus's thread: while Redis is unreachable, Redisson's first
        // call blocks its caller until it gives up connecting.
        scheduler.execute(pubSub::mode);
        subscriptions.start(listener);
        scheduler.scheduleWithFixedDelay(durability::check, 0, RedisDurability.CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        return subscriptions.subscribe(topic);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        return subscriptions.unsubscribe(topic);
    }

    @Override
    public boolean receiving() {
        return subscriptions.receiving();
    }

    /** Whether publishes now go out as durable (see {@link RedisDurability}); for tests. */
    boolean durable() {
        return durability.durable();
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        return directory.announce(nodeId, figuresJson);
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        return directory.nodes();
    }

    @Override
    public CompletionStage<Boolean> writePresence(PresenceWrite write) {
        return presence.write(write);
    }

    @Override
    public CompletionStage<PresenceSnapshot> presence(String channel) {
        return presence.read(channel);
    }

    /**
     * Subscriptions first (marked closed, so nothing is retried or re-verified), then the
     * scheduler (no probe or retry starts after), then Redisson and its threads.
     */
    @Override
    public void openInbox(String nodeId, Consumer<String> inbox) {
        subscriptions.openInbox(nodeId, inbox);
    }

    @Override
    public CompletionStage<Void> sendToNode(String nodeId, String message) {
        return subscriptions.sendToNode(nodeId, message);
    }

    @Override
    public CompletionStage<Void> sendToAll(String message) {
        return subscriptions.sendToAll(message);
    }

    @Override
    public void close() {
        subscriptions.close();
        scheduler.shutdownNow();
        // Quiet period 0: nothing is in flight that we still care about. The timeout bounds undeploy.
        redisson.shutdown(0, 5, TimeUnit.SECONDS);
        OwnedThreads.awaitEnd("redisson-", RedisBus.class.getClassLoader(), Duration.ofSeconds(5));
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS); // no thread of the bus outlives close()
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
