package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RedissonClient;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a node's bus ({@link RedisBus}) and a publishing process's bus ({@link RedisPublishingBus}) share, so
 * that events published by either get the same offsets, history trimming and idempotency keys: a
 * {@link RedisEventLog} on their Redisson client to publish through and read history from, and a
 * {@link RedisDurability} check whose verdict every publish hands to the script. Each subclass runs the check
 * and closes the client in its own way.
 *
 * <p>Threading: as {@link Bus}; the fields are final and thread-safe themselves.
 */
abstract sealed class RedisLogBus implements Bus permits RedisBus, RedisPublishingBus {
    final RedissonClient redisson;
    final RedisDurability durability;
    final RedisEventLog eventLog;
    /** Classic or sharded pub/sub: both the publish scripts and the subscriptions follow it. */
    final PubSubDetection pubSub;

    /**
     * @param historySize  events a topic's history keeps: the cluster's in every process, the script trims with it
     * @param historyBytes bytes a topic's history may hold (at least its newest event is kept)
     * @param historyTtl   how long an event stays in history
     */
    RedisLogBus(RedissonClient redisson, String namespace, int historySize, long historyBytes, Duration historyTtl) {
        this.redisson = redisson;
        this.durability = new RedisDurability(redisson);
        this.pubSub = new PubSubDetection(redisson, task -> ownThread().execute(task));
        this.eventLog = new RedisEventLog(redisson, namespace, historySize, historyBytes, historyTtl, durability, pubSub);
    }

    /**
     * The bus's own thread, which may wait on Redis (the cluster is asked there which pub/sub it
     * supports: {@link PubSubDetection}); asked for only once the bus is made.
     */
    abstract ScheduledExecutorService ownThread();

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        return eventLog.publish(events);
    }

    @Override
    public boolean publishesWithoutWaiting() {
        return eventLog.publishesWithoutWaiting();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        return eventLog.publish(events, idempotencyKey);
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        return eventLog.history(topic, since, limit, maxBytes);
    }

    @Override
    public CompletionStage<Offset> position(Topic topic) {
        return eventLog.position(topic);
    }

    @Override
    public CompletionStage<Void> ping() {
        return eventLog.ping();
    }
}
