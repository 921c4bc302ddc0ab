package io.switchboard.internal.bus;

import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisMaster;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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
 * <p>The verdict is bound to the Redis process it was read from (its {@code run_id}): the publish
 * script counts a write as durable only when it runs in that same process. A check that fails
 * (Redis down, a slow answer) leaves the verdict as it was: it says nothing about the settings, and
 * a restarted or promoted Redis is a new process, for which the old verdict never counts.
 *
 * <p>Threading: {@link #check} runs on the bus's scheduler; the verdict is read by any thread.
 */
final class RedisDurability {
    private static final Logger log = LoggerFactory.getLogger(RedisDurability.class);
    /** How often a bus asks again: a Redis that changes (restart, failover) is noticed this late at most. */
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);

    private final RedissonClient redisson;
    private final boolean single;
    /** The run_id of the Redis found durable at the last successful check; "" when it was not. */
    private volatile String durableRunId = "";
    private volatile boolean reported;

    RedisDurability(RedissonClient redisson) {
        this.redisson = redisson;
        this.single = redisson.getConfig().isSingleConfig();
    }

    boolean durable() {
        return !durableRunId.isEmpty();
    }

    /**
     * What a publish passes to the script: the run_id of the Redis last found durable, or "" when
     * none was; the script compares it with its own process's run_id.
     */
    String durableRunId() {
        return durableRunId;
    }

    /**
     * Asks Redis again (asynchronously); the answer applies to the publishes that follow.
     *
     * @return completes (never exceptionally) once this check has settled the verdict, or left it
     *         as it was because Redis did not answer
     */
    CompletionStage<Void> check() {
        if (!single) {
            return CompletableFuture.completedFuture(null);
        }
        RedisMaster master;
        try {
            master = redisson.getRedisNodes(RedisNodes.SINGLE).getInstance();
        } catch (RuntimeException e) {
            // no connection to ask: the verdict stays bound to the process it was read from
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Map<String, String>> config = master.getConfigAsync("appendfsync").toCompletableFuture();
        CompletableFuture<Map<String, String>> persistence =
                master.infoAsync(RedisNode.InfoSection.PERSISTENCE).toCompletableFuture();
        CompletableFuture<Map<String, String>> replication =
                master.infoAsync(RedisNode.InfoSection.REPLICATION).toCompletableFuture();
        CompletableFuture<Map<String, String>> server = master.infoAsync(RedisNode.InfoSection.SERVER).toCompletableFuture();
        return CompletableFuture.allOf(config, persistence, replication, server).handle((all, error) -> {
            if (error != null) {
                report(durable(), error);
                return null;
            }
            boolean now = verdict(config.join(), persistence.join(), replication.join());
            String runId = server.join().getOrDefault("run_id", "");
            report(now && !runId.isEmpty(), null);
            durableRunId = now ? runId : "";
            return null;
        });
    }

    private void report(boolean now, Throwable error) {
        if (now != durable() || !reported) {
            reported = true;
            if (error != null) {
                log.info("Could not read Redis's persistence settings ({}): until they are read, acknowledged writes "
                        + "count as losable across a Redis change", error.getMessage());
            } else {
                log.info("Redis {} acknowledged writes across a restart ({}): after a Redis change, clients resuming "
                        + "from before it are told {}", now ? "keeps" : "may lose",
                        now ? "appendfsync always, no replica" : "no fsync on every write, or replicas",
                        now ? "recovered: true when nothing is missing" : "recovered: false");
            }
        }
    }

    /** Whether what Redis answered means durable: fsync on every write, AOF on, no replica. */
    static boolean verdict(Map<String, String> config, Map<String, String> persistence, Map<String, String> replication) {
        return "always".equals(config.get("appendfsync")) && "1".equals(persistence.get("aof_enabled"))
                && "0".equals(replication.getOrDefault("connected_slaves", "0"));
    }
}
