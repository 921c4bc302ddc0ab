package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.RedisSentinelGroup;
import io.switchboard.testkit.Await;
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
 * A Sentinel-managed master/replica pair (one Sentinel, quorum 1); the master is SIGKILLed while the replica
 * lags behind (paused with SIGSTOP and cut off from the master), then the replica is resumed and the
 * Sentinel promotes it ({@code SENTINEL FAILOVER} if it has not started one itself). Nothing may be lost
 * silently, and no offset handed out twice.
 */
class RedisSentinelFailoverIT extends FaultScenario {

    private static final int NODES = 3;
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void masterKilledWhileItsReplicaLagsIsReplacedBySentinelWithoutAnyEventLostSilentlyOrOffsetReused() {
        RedisSentinelGroup redis = keep(RedisSentinelGroup.start("RedisSentinelFailoverIT-redis",
                Paths.get("target", "redis-sentinel-" + Long.toHexString(System.nanoTime()))));
        Cluster cluster = keep(Cluster.startWithRedissonConfig("RedisSentinelFailoverIT", NODES, redis.redissonYaml(), Map.of()));
        String channel = "failover.sentinel";
        String meta = "switchboard:{ch:" + channel + "}:meta";
        RedisServerProcess master = redis.master();
        RedisServerProcess replica = redis.replica();

        DurabilityRun run = new DurabilityRun();
        DurabilityRun.Result result = run.run(this, "a6", "(a) Sentinel, master SIGKILLed while its replica lags, "
                + "replica promoted", cluster, channel, new DurabilityRun.Fault() {
            @Override
            public DurabilityRun.Kept midStream() {
                return RedisClusterFailoverIT.lag(master, replica, meta, replica.command("HGET", meta, "seq"));
            }

            @Override
            public List<Integer> strike() {
                master.kill();
                replica.resume();
                Await.until("Sentinel promoting " + replica, FAILOVER_TIMEOUT, () -> {
                    try {
                        if (redis.currentMasterPort() != replica.port()) {
                            redis.sentinel("SENTINEL", "FAILOVER", RedisSentinelGroup.MASTER_NAME);
                        }
                    } catch (RuntimeException inProgress) {
                        // -INPROG or -NOGOODREPLICA while the Sentinel still sees the replica down: ask again
                    }
                    try {
                        return redis.currentMasterPort() == replica.port()
                                && "master".equals(replica.info("replication", "role"));
                    } catch (RuntimeException notYet) {
                        return false;
                    }
                });
                return List.of();
            }
        });

        assertFaultLostAcknowledgedWrites(result);
        assertNothingLostSilently(result);
        assertAwayClientsTold(result, false);
        assertNewEpochContinuing(result, run);
    }
}
