package io.switchboard.it.faults;

import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.JvmMemory;
import io.switchboard.it.support.Resources;
import io.switchboard.it.support.ServerNode;
import io.switchboard.it.support.SocketFleet;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.redis.RedisServerProcess;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one resource attack on a worker cost, from before the attack to after it: while it runs, a well-behaved
 * client receives a steady stream (about 50 events/s through the HTTP API), the worker's heap and direct memory are
 * sampled (see {@link JvmMemory}) and its health is asked every 0.5 s. {@link #finish} lets the stream go on a
 * little after the attack, measures what Redis and the worker's log gained, records the scenario's row in the
 * fault report, and returns an {@link Outcome} whose {@link Outcome#assertBounded()} checks the bounds every attack
 * must keep.
 */
final class AttackMeasurement {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STREAM_PAUSE = Duration.ofMillis(20);
    /** Events of the steady stream published after an attack, proof that the node still delivers. */
    private static final int STREAM_AFTER_ATTACK = 100;
    /** Per scenario; warnings are rate-limited, so a flood of one kind is a few lines. */
    private static final int MAX_LOG_LINES = 200;
    /** A worker whose log grows more than this during one scenario is killed (and counted as a restart). */
    private static final long MAX_LOG_GROWTH = 256L << 20;
    /** Keys a published channel holds (meta, history, history times), plus slack for presence and the like. */
    private static final int KEYS_PER_PUBLISHED_CHANNEL = 3;
    private static final int KEY_SLACK = 4;
    private static final Duration STEADY_FOR = Duration.ofSeconds(1);
    /** How long a worker may take to answer health 200 again after an attack before it counts as a restart. */
    private static final Duration RECOVERY_GRACE = Duration.ofSeconds(30);

    private final String key;
    private final String channel;
    private final ServerNode node;
    private final RedisServerProcess redis;
    private final long start = System.nanoTime();
    private final long keysBefore;
    private final long redisMemoryBefore;
    private final long logMark;
    private final SubscriberGroup client;
    private final StreamPublisher publisher;
    private final JvmMemory.Sampling sampling;
    private final HealthWatch healthWatch;

    private AttackMeasurement(String key, String channel, ServerNode node, RedisServerProcess redis, JvmMemory memory,
                              Resources resources) {
        this.key = key;
        this.channel = channel;
        this.node = node;
        this.redis = redis;
        this.keysBefore = redis.keyCountExcluding(steadyKeys());
        this.redisMemoryBefore = redis.usedMemory();
        this.logMark = node.log().size();
        this.client = resources.keep(SubscriberGroup.start("steady-" + key, List.of(node), 0, 1, channel, START_TIMEOUT));
        this.publisher = resources.keep(StreamPublisher.start(channel, List.of(node), 1, STREAM_PAUSE));
        this.publisher.awaitMoreAcknowledged(10, TIMEOUT);
        memory.collect(); // the peak after a collection is then this scenario's own
        this.sampling = memory.startSampling(Duration.ofMillis(250));
        this.healthWatch = HealthWatch.start(node, Duration.ofMillis(500), logMark + MAX_LOG_GROWTH);
    }

    /**
     * Starts the steady stream on {@code channel} and its well-behaved client on {@code node} (closed with
     * {@code resources}), and notes where Redis, the worker's log and its memory stand.
     *
     * @param key orders the scenario's row in the fault report
     */
    static AttackMeasurement start(String key, String channel, ServerNode node, RedisServerProcess redis, JvmMemory memory,
                                   Resources resources) {
        return new AttackMeasurement(key, channel, node, redis, memory, resources);
    }

    /**
     * The attack is over (its connections may still be open): the stream goes on a little longer, then stops,
     * and what everything cost is recorded.
     *
     * @param answeredAsExpected -1 when the attack never reads its answers
     * @param attack             its connections are closed before Redis is measured (null: none)
     * @param publishedChannels  channels published to during the scenario, the steady stream's included
     */
    Outcome finish(String name, long sent, long answeredAsExpected, SocketFleet attack, int publishedChannels) {
        Duration wait = node.isAlive() ? TIMEOUT : Duration.ZERO; // nothing more will come from a dead worker
        boolean delivering = true;
        try {
            publisher.awaitMoreAcknowledged(STREAM_AFTER_ATTACK, wait);
        } catch (AssertionError e) {
            delivering = false;
        }
        publisher.stop();
        DeliveryTally tally = client.awaitDelivery(channel, publisher.acknowledged().values(), wait);
        JvmMemory.Peaks peaks = sampling.stop();
        Map<Integer, Long> healthAnswers = healthWatch.stop();
        long unhealthy = healthAnswers.entrySet().stream().filter(entry -> entry.getKey() != 200)
                .mapToLong(Map.Entry::getValue).sum();
        if (attack != null) {
            attack.close();
        }
        // A worker that exited, or that does not answer health 200 again soon, is replaced before the next
        // scenario: a restart. A passing outage shows in the health column.
        int health = healthWithin(node, RECOVERY_GRACE);
        int restarts = node.isAlive() && health == 200 ? 0 : 1;
        // Releasing what the attack held (e.g. unsubscribing thousands of channels) is part of it, and so are
        // the log lines the worker writes while it settles.
        long keysAdded = steady(() -> redis.keyCountExcluding(steadyKeys())) - keysBefore;
        steady(() -> node.log().size());
        long redisMemoryAdded = redis.usedMemory() - redisMemoryBefore;
        LogFile.Excerpt log = node.log().excerptSince(logMark);
        long logLines = log.lines();
        FaultReport.record(new FaultReport.Exhaustion(key, name, sent, answeredAsExpected, restarts, unhealthy, peaks.heapUsed(),
                peaks.heapAfterGc(), peaks.direct(), keysAdded, redisMemoryAdded, logLines, tally, Faults.since(start)));
        return new Outcome(name, node, restarts, health, healthAnswers, delivering, publisher.refusals(), tally,
                client.clients().get(0).connections(), peaks, keysAdded,
                (long) publishedChannels * KEYS_PER_PUBLISHED_CHANNEL + KEY_SLACK, log, healthWatch.killedForLog());
    }

    /** What one scenario cost and how the well-behaved client fared; {@link #assertBounded()} checks the bounds. */
    record Outcome(String name, ServerNode node, int restarts, int health, Map<Integer, Long> healthAnswers,
                           boolean delivering,
                           Map<String, Long> refusals, DeliveryTally tally, int connections, JvmMemory.Peaks peaks,
                           long keysAdded, long keysBound, LogFile.Excerpt log, boolean killedForLog) {

        void assertBounded() {
            String context = name + " (log " + node.log() + ")";
            assertThat(restarts).as("worker restarts in %s: alive %s, health %d, killed because its log grew by more "
                    + "than %d MiB: %s; log tail:%n%s", context, node.isAlive(), health, MAX_LOG_GROWTH >> 20, killedForLog,
                    String.join("\n", log.tail())).isZero();
            assertThat(healthAnswers.keySet()).as("health answers during %s (-1: none), with counts: %s", context,
                    healthAnswers).containsOnly(200);
            assertThat(delivering).as("the stream went on after the attack in %s (refusals %s)", context, refusals).isTrue();
            assertThat(tally.lost()).as("events lost by the well-behaved client in %s: %s", context, tally).isZero();
            assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
            assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
            assertThat(connections).as("connections of the well-behaved client in %s", context).isEqualTo(1);
            assertThat(peaks.failure()).as("memory sampling of the worker in %s", context).isNull();
            assertThat(peaks.heapAfterGc()).as("peak heap after GC in %s, -Xmx %d", context, peaks.heapMax())
                    .isLessThan(peaks.heapMax());
            assertThat(keysAdded).as("Redis keys added in %s", context).isLessThanOrEqualTo(keysBound);
            assertThat(log.lines()).as("log lines written in %s, the last ones:%n%s", context, String.join("\n", log.tail()))
                    .isLessThan(MAX_LOG_LINES);
            assertThat(log.trouble()).as("stack traces and errors logged in %s", context).isEmpty();
        }
    }

    /**
     * Asks the worker's health every {@code period} in a daemon thread and counts the answers by status (-1: none).
     * Kills the worker if its log grows past {@code logLimit} bytes: a node logging without bound would fill the
     * disk under the rest of the suite.
     */
    private static final class HealthWatch {
        private final Map<Integer, Long> answers = new ConcurrentSkipListMap<>();
        private final Thread thread;
        private volatile boolean stopped;
        private volatile boolean killedForLog;

        private HealthWatch(ServerNode node, Duration period, long logLimit) {
            thread = new Thread(() -> {
                while (!stopped) {
                    answers.merge(node.health(), 1L, Long::sum);
                    if (!killedForLog && node.log().size() > logLimit) {
                        killedForLog = true;
                        node.kill();
                    }
                    try {
                        Thread.sleep(period.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "health-watch-" + node.id());
            thread.setDaemon(true);
        }

        static HealthWatch start(ServerNode node, Duration period, long logLimit) {
            HealthWatch watch = new HealthWatch(node, period, logLimit);
            watch.thread.start();
            return watch;
        }

        Map<Integer, Long> stop() {
            stopped = true;
            thread.interrupt();
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new TreeMap<>(answers);
        }

        boolean killedForLog() {
            return killedForLog;
        }
    }

    /**
     * Waits until {@code figure} holds still for a second (e.g. Redis's key count while a closed connection's
     * channels are unsubscribed, answers that need a Redis round trip, a log being written) and returns it; after
     * {@link #TIMEOUT} returns it as it is, for the assertions to judge.
     */
    /**
     * The steady stream's own keys (its channel's hash tag): each of its events is published with an idempotency
     * key of its own, which Redis keeps for the history's age; they are the well-behaved client's, not the attack's.
     */
    private String steadyKeys() {
        return "{ch:" + channel + "}";
    }

    static long steady(LongSupplier figure) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long last = figure.getAsLong();
        long since = System.nanoTime();
        while (System.nanoTime() - since < STEADY_FOR.toNanos() && System.nanoTime() - deadline < 0) {
            pause();
            long now = figure.getAsLong();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            }
        }
        return last;
    }

    /** The worker's health status once it is 200, or the last one seen after {@code grace}. */
    private static int healthWithin(ServerNode node, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        int status = node.health();
        while (status != 200 && node.isAlive() && System.nanoTime() - deadline < 0) {
            pause();
            status = node.health();
        }
        return status;
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
