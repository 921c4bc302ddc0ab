package io.switchboard.internal.bus;

import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisMaster;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Whether the Redis this bus writes to acknowledges only writes that survive its restart: an
 * append-only file fsynced on every write ({@code appendfsync always}) and no replica that could be
 * promoted without the last writes. Each publish passes this to the script, which keeps it with the
 * topic; when the Redis changes, it tells whether the epoch that ended there may have lost
 * acknowledged events (then clients resuming across the change are told {@code recovered: false}).
 *
 * <p>Only a single-server configuration can be durable in this sense: with replicas (Sentinel,
 * Cluster, master/replica), a failover may lose what a replica had not received yet. A Redis that
 * does not answer {@code CONFIG GET} (renamed or refused by a managed service) counts as not durable.
 *
 * <p>Threading: {@link #check} runs on the bus's scheduler; {@link #durable} is read by any thread.
 */
final class RedisDurability {
    private static final Logger log = LoggerFactory.getLogger(RedisDurability.class);

    private final RedissonClient redisson;
    private final boolean single;
    private volatile boolean durable;
    private volatile boolean reported;

    RedisDurability(RedissonClient redisson) {
        this.redisson = redisson;
        this.single = redisson.getConfig().isSingleConfig();
    }

    boolean durable() {
        return durable;
    }

    /** Asks Redis again (asynchronously); the answer applies to the publishes that follow. */
    void check() {
        if (!single) {
            return;
        }
        RedisMaster master;
        try {
            master = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance();
        } catch (RuntimeException e) {
            durable = false;
            return;
        }
        CompletableFuture<Map<String, String>> config = master.getConfigAsync("appendfsync").toCompletableFuture();
        CompletableFuture<Map<String, String>> persistence =
                master.infoAsync(RedisNode.InfoSection.PERSISTENCE).toCompletableFuture();
        CompletableFuture<Map<String, String>> replication =
                master.infoAsync(RedisNode.InfoSection.REPLICATION).toCompletableFuture();
        CompletableFuture.allOf(config, persistence, replication).whenComplete((all, error) ->
                update(error == null && verdict(config.join(), persistence.join(), replication.join()), error));
    }

    private void update(boolean now, Throwable error) {
        if (now != durable || !reported) {
            reported = true;
            if (error != null) {
                log.info("Could not read Redis's persistence settings ({}): treating acknowledged writes as losable "
                        + "across a Redis change", error.getMessage());
            } else {
                log.info("Redis {} acknowledged writes across a restart ({}): after a Redis change, clients resuming "
                        + "from before it are told {}", now ? "keeps" : "may lose",
                        now ? "appendfsync always, no replica" : "no fsync on every write, or replicas",
                        now ? "recovered: true when nothing is missing" : "recovered: false");
            }
        }
        durable = now;
    }

    /** Whether what Redis answered means durable: fsync on every write, AOF on, no replica. */
    static boolean verdict(Map<String, String> config, Map<String, String> persistence, Map<String, String> replication) {
        return "always".equals(config.get("appendfsync")) && "1".equals(persistence.get("aof_enabled"))
                && "0".equals(replication.getOrDefault("connected_slaves", "0"));
    }
}
