package io.switchboard.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.switchboard.bench.target.Cluster;
import io.switchboard.bench.target.FloorCluster;
import io.switchboard.bench.target.RedisServer;
import io.switchboard.bench.target.SwitchboardCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the load generator honest: a few seconds against a real one-node Switchboard cluster (the demo worker
 * on its own redis-server), where every event must reach every client exactly once, in order. Speed is not
 * asserted; that is what bench/run is for.
 */
class GeneratorSmokeIT {
    private static final String TOKEN = "smoke-token-of-at-least-32-bytes!";
    private static final int CLIENTS = 50;

    private static RedisServer redis;
    private static SwitchboardCluster cluster;
    private static EventLoopGroup clientLoops;
    private static EventLoopGroup publisherLoop;

    @BeforeAll
    static void startOneNode() throws Exception {
        Path logs = Path.of(System.getProperty("bench.logDir", "target/smoke-logs"));
        Path demoJar = Path.of(System.getProperty("switchboard.demoJar", "../sample-webapp/target/switchboard-demo.jar"));
        redis = RedisServer.start(logs);
        cluster = SwitchboardCluster.start(1, demoJar, redis, TOKEN,
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), 1000, logs);
        clientLoops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        publisherLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (publisherLoop != null) {
            publisherLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (clientLoops != null) {
            clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static Scenarios scenarios(int batch) {
        return scenarios(batch, 3, cluster);
    }

    private static Scenarios scenarios(int batch, int seconds, Cluster target) {
        Scenarios.Setup setup = new Scenarios.Setup(clientLoops, publisherLoop, redis, TOKEN, seconds, 0, batch, 100, 4,
                50, 100, "batch=1&binary=1");
        return new Scenarios(setup, target, new AtomicInteger(batch * 100 + seconds * 10), result -> { });
    }

    @Test
    void theFloorServerDeliversSingleAndBatchedEventsToItsSubscribers() throws Exception {
        Path logs = Path.of(System.getProperty("bench.logDir", "target/smoke-logs"));
        try (FloorCluster floor = FloorCluster.start(1, List.of("-Xmx128m", "-XX:+UseSerialGC"), logs)) {
            Result single = scenarios(1, 1, floor).broadcast("broadcast", CLIENTS, List.of(20.0), false).get(0);
            Result batched = scenarios(10, 1, floor).rooms(CLIENTS, List.of(50.0)).get(0);

            assertThat(single.system).isEqualTo("floor");
            assertThat(single.connectFailures).isZero();
            assertThat(single.delivered).isEqualTo(20L * CLIENTS);
            assertThat(single.lost + single.duplicates + single.outOfOrder).isZero();
            assertThat(single.serverCpuPerDelivery).isNotNull();
            assertThat(batched.delivered).isEqualTo(50);
            assertThat(batched.lost + batched.duplicates + batched.outOfOrder).isZero();
        }
    }

    @Test
    void broadcastOverSseReachesEveryClientOnceAndInOrder() throws Exception {
        Result result = scenarios(1).broadcastOverSse(CLIENTS, List.of(20.0)).get(0);

        assertThat(result.scenario).isEqualTo("sse");
        assertThat(result.connectFailures).isZero();
        assertThat(result.published).isEqualTo(60);
        assertThat(result.delivered).isEqualTo(60L * CLIENTS);
        assertThat(result.lost).isZero();
        assertThat(result.duplicates).isZero();
        assertThat(result.outOfOrder).isZero();
        assertThat(result.unexpected).isZero();
        assertThat(result.serverCpuPerDelivery).isNotNull();
    }

    @Test
    void broadcastReachesEveryClientOnceAndInOrder() throws Exception {
        Result result = scenarios(1).broadcast("broadcast", CLIENTS, List.of(20.0), false).get(0);

        assertThat(result.connectFailures).isZero();
        assertThat(result.published).isEqualTo(60);
        assertThat(result.publishFailed).isZero();
        assertThat(result.delivered).isEqualTo(60L * CLIENTS);
        assertThat(result.lost).isZero();
        assertThat(result.duplicates).isZero();
        assertThat(result.outOfOrder).isZero();
        assertThat(result.unexpected).isZero();
        assertThat(result.p99).isPositive();
        assertThat(result.serverCpuPerDelivery).isNotNull();
    }

    @Test
    void aJvmSystemsStepSplitsItsServerCpuByThread() throws Exception {
        Result jvm = scenarios(1, 1, cluster).broadcast("broadcast", CLIENTS, List.of(20.0), false).get(0);

        assertThat(jvm.serverCpuMicros).isPositive();
        assertThat(jvm.serverJitMicros).isNotNull().isGreaterThanOrEqualTo(0.0);
        assertThat(jvm.serverGcMicros).isNotNull().isGreaterThanOrEqualTo(0.0);
    }

    @Test
    void batchedPublishesToOwnChannelsReachTheirClients() throws Exception {
        Result result = scenarios(10).rooms(CLIENTS, List.of(50.0)).get(0);

        assertThat(result.connectFailures).isZero();
        assertThat(result.published).isEqualTo(150);
        assertThat(result.delivered).isEqualTo(150);
        assertThat(result.lost).isZero();
        assertThat(result.duplicates).isZero();
        assertThat(result.outOfOrder).isZero();
    }
}
