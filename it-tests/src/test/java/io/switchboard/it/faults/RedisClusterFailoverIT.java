package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisClusterProcess;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.switchboard.it.faults.DurabilityRun.assertAwayClientsTold;
import static io.switchboard.it.faults.DurabilityRun.assertFaultLostAcknowledgedWrites;
import static io.switchboard.it.faults.DurabilityRun.assertNewEpochContinuing;
import static io.switchboard.it.faults.DurabilityRun.assertNothingLostSilently;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis Cluster of three masters with one replica each; the master holding the channel is SIGKILLed while
 * its replica lags behind (paused with SIGSTOP and cut off from the master, so that what the master
 * acknowledges meanwhile never reaches it), then the replica is resumed and promoted
 * ({@code CLUSTER FAILOVER TAKEOVER}). The promoted replica's sequence is behind offsets already handed out:
 * nothing may be lost silently, and no offset handed out twice. With Redis 7 the nodes use sharded pub/sub
 * (SPUBLISH/SSUBSCRIBE), whose subscriptions must follow the channel's slot to the promoted replica.
 */
class RedisClusterFailoverIT extends FaultScenario {

    private static final int NODES = 3;
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void masterKilledWhileItsReplicaLagsIsReplacedByTheReplicaWithoutAnyEventLostSilentlyOrOffsetReused() {
        RedisClusterProcess redis = keep(RedisClusterProcess.start("RedisClusterFailoverIT-redis",
                Paths.get("target", "redis-cluster-" + Long.toHexString(System.nanoTime())), 1));
        Cluster cluster = keep(Cluster.startWithRedissonConfig("RedisClusterFailoverIT", NODES, redis.redissonYaml(), Map.of()));
        String channel = "failover.cluster";
        String meta = "switchboard:{ch:" + channel + "}:meta";
        RedisServerProcess master = redis.masterOf(meta);
        RedisServerProcess replica = redis.replicaOf(master);

        DurabilityRun run = new DurabilityRun();
        DurabilityRun.Result result = run.run(this, "a5", "(a) Redis Cluster, master SIGKILLed while its replica lags, "
                + "replica promoted", cluster, channel, new DurabilityRun.Fault() {
            @Override
            public DurabilityRun.Kept midStream() {
                return lag(master, replica, meta, replica.readOnReplica("HGET", meta, "seq"));
            }

            @Override
            public List<Integer> strike() {
                master.kill();
                replica.resume();
                Await.until(replica + " promoted", FAILOVER_TIMEOUT, () -> {
                    try {
                        if (!"master".equals(replica.info("replication", "role"))) {
                            replica.command("CLUSTER", "FAILOVER", "TAKEOVER");
                        }
                        return "master".equals(replica.info("replication", "role"));
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
                redis.awaitHealthy();
                if (shardedPubSub(replica)) {
                    // The nodes' sharded subscription (SSUBSCRIBE) follows the slot to the promoted master.
                    Await.until("the channel's sharded subscribers on " + replica, FAILOVER_TIMEOUT,
                            () -> shardSubscribers(replica, "switchboard:{ch:" + channel + "}:pubsub") > 0);
                }
                return List.of();
            }
        });

        assertFaultLostAcknowledgedWrites(result);
        assertNothingLostSilently(result);
        assertAwayClientsTold(result, false);
        assertNewEpochContinuing(result, run);
    }

    /**
     * Pauses {@code replica} (SIGSTOP) and cuts its replication link on the master, so that nothing the master
     * writes from now on reaches it (not even through the socket buffers); returns the channel's sequence
     * number the replica holds: at least {@code seq} (read on it just before), at most the master's once cut off.
     */
    static DurabilityRun.Kept lag(RedisServerProcess master, RedisServerProcess replica, String meta, Object seq) {
        replica.pause();
        master.command("CLIENT", "KILL", "TYPE", "replica");
        return new DurabilityRun.Kept(parse(seq), parse(master.command("HGET", meta, "seq")));
    }

    private static boolean shardedPubSub(RedisServerProcess node) {
        String version = node.info("server", "redis_version");
        return version != null && Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7;
    }

    private static long shardSubscribers(RedisServerProcess node, String channel) {
        try {
            return (Long) ((List<?>) node.command("PUBSUB", "SHARDNUMSUB", channel)).get(1);
        } catch (RuntimeException notYet) {
            return 0;
        }
    }

    private static long parse(Object seq) {
        return seq == null ? 0 : Long.parseLong(String.valueOf(seq));
    }
}
