package io.switchboard.bench;

import io.netty.channel.EventLoopGroup;
import io.switchboard.bench.load.Dialect;
import io.switchboard.bench.load.Fleet;
import io.switchboard.bench.load.Phase;
import io.switchboard.bench.load.Publisher;
import io.switchboard.bench.target.Cluster;
import io.switchboard.bench.target.JvmThreadCpu;
import io.switchboard.bench.target.Proc;
import io.switchboard.bench.target.RedisCounters;
import io.switchboard.bench.target.RedisServer;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntUnaryOperator;

/**
 * The scenarios, run against one started cluster. Each returns its rows; {@code progress} is told each row as
 * soon as it is measured.
 */
public final class Scenarios {
    private static final long SELF = ProcessHandle.current().pid();

    /** What every scenario needs besides the cluster. */
    public record Setup(EventLoopGroup clientLoops, EventLoopGroup publisherLoop, RedisServer redis, String apiToken,
                        int duration, int warmup, int batch, int payload, int httpConnections,
                        int connectConcurrency, double stopP99Millis, String wsQuery) {
    }

    private final Setup setup;
    private final Cluster cluster;
    private final Consumer<Result> progress;
    private final AtomicInteger phases;
    private List<Long> redisPids; // whose CPU a step counts as Redis's: the shared Redis unless countingRedis says
    private Bracket warmBurst = Bracket.NONE; // around the first half of connections' warm burst

    /** Runs {@code bracket} around the first half of {@code connections}' warm burst: connects to warm servers only. */
    public Scenarios aroundWarmBurst(Bracket bracket) {
        this.warmBurst = bracket;
        return this;
    }

    public Scenarios(Setup setup, Cluster cluster, AtomicInteger phases, Consumer<Result> progress) {
        this.setup = setup;
        this.cluster = cluster;
        this.phases = phases;
        this.progress = progress;
    }

    /** Counts these Redis processes (a Redis Cluster's masters) as Redis in each step, and each on its own. */
    public Scenarios countingRedis(List<Long> pids) {
        this.redisPids = List.copyOf(pids);
        return this;
    }

    /** The floor server speaks Switchboard's protocol and trigger. */
    private Dialect dialect() {
        return cluster.system().equals("socketio") ? Dialect.socketIo() : Dialect.switchboard(setup.wsQuery());
    }

    private Publisher.Api api() {
        return cluster.system().equals("socketio") ? Publisher.Api.SOCKETIO : Publisher.Api.SWITCHBOARD;
    }

    private int nodes() {
        return cluster.nodes().size();
    }

    /** C clients on one channel, spread over the nodes; each rate in turn until p99 or loss says stop. */
    public List<Result> broadcast(String scenario, int clients, List<Double> rates, boolean stepUntilFailure)
            throws Exception {
        List<String> channels = repeat("bench.all", clients);
        return stepped(scenario, channels, List.of("bench.all"), i -> i % nodes(), Publisher.Pick.ONE_CHANNEL,
                clients, rates, stepUntilFailure, false);
    }

    /**
     * {@link #broadcast} with the clients on Switchboard's SSE transport: the same channel, clients and rates, so
     * its CPU per delivery stands beside the WebSocket's.
     */
    public List<Result> broadcastOverSse(int clients, List<Double> rates) throws Exception {
        List<String> channels = repeat("bench.sse", clients);
        return stepped("sse", channels, List.of("bench.sse"), i -> i % nodes(), Publisher.Pick.ONE_CHANNEL, clients,
                rates, true, true);
    }

    /**
     * C clients, each on its own channel; events to random channels. Every rate is measured, also
     * after a step that was not held: the targets compare the cost per event at each of them.
     */
    public List<Result> rooms(int clients, List<Double> rates) throws Exception {
        return rooms("rooms", clients, rates, false);
    }

    /** {@link #rooms(int, List)}, its rows named {@code scenario}; every rate measured unless {@code stepUntilFailure}. */
    public List<Result> rooms(String scenario, int clients, List<Double> rates, boolean stepUntilFailure) throws Exception {
        List<String> channels = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            channels.add("bench.room." + i);
        }
        return stepped(scenario, channels, channels, i -> i % nodes(), Publisher.Pick.RANDOM_CHANNEL, clients, rates,
                stepUntilFailure, false);
    }

    private List<Result> stepped(String scenario, List<String> clientChannels, List<String> publishChannels,
                                 IntUnaryOperator nodeOf, Publisher.Pick pick, int clients, List<Double> rates,
                                 boolean stepUntilFailure, boolean overSse) throws Exception {
        List<Result> results = new ArrayList<>();
        try (Fleet fleet = new Fleet(setup.clientLoops(), dialect(), cluster.nodes(), overSse);
             Publisher publisher = new Publisher(setup.publisherLoop().next(), api(), cluster.nodes(),
                     setup.httpConnections(), setup.apiToken())) {
            Fleet.Connected connected = connect(fleet, clientChannels, nodeOf);
            publisher.open();
            if (setup.warmup() > 0) {
                measure(scenario, fleet, publisher, publishChannels, pick, clients, rates.get(0), setup.warmup(), false);
            }
            for (double rate : rates) {
                Result result = measure(scenario, fleet, publisher, publishChannels, pick, clients, rate, setup.duration(), false);
                result.connectFailures = connected.failed();
                result.connectPerSecond = round(connected.perSecond(), 1);
                results.add(result);
                progress.accept(result);
                if (stepUntilFailure && !result.held(setup.stopP99Millis())) {
                    break;
                }
            }
        }
        return results;
    }

    /** C clients on node 2; even events published through node 1 (a hop away), odd ones through node 2 (local). */
    public List<Result> hop(int clients, double rate) throws Exception {
        if (nodes() < 2) {
            return List.of();
        }
        try (Fleet fleet = new Fleet(setup.clientLoops(), dialect(), cluster.nodes());
             Publisher publisher = new Publisher(setup.publisherLoop().next(), api(), cluster.nodes(),
                     setup.httpConnections(), setup.apiToken())) {
            Fleet.Connected connected = connect(fleet, repeat("bench.hop", clients), i -> 1);
            publisher.open();
            if (setup.warmup() > 0) {
                measure("hop", fleet, publisher, List.of("bench.hop"), Publisher.Pick.HOP, clients, rate, setup.warmup(), true);
            }
            Result result = measure("hop", fleet, publisher, List.of("bench.hop"), Publisher.Pick.HOP, clients, rate,
                    setup.duration(), true);
            result.connectFailures = connected.failed();
            result.connectPerSecond = round(connected.perSecond(), 1);
            progress.accept(result);
            return List.of(result);
        }
    }

    /**
     * C idle clients, each subscribed to its own channel: connect rate, memory and CPU per connection. The first
     * burst after the servers started is the cold one; then every client is closed, and the same number connect
     * again (warm: the servers' pools, caches and JIT already grown) for a second connect rate, and for the memory
     * one more idle connection costs a warm server (between half and all of them connected).
     */
    public List<Result> connections(int clients) throws Exception {
        List<Long> pids = cluster.serverPids();
        Thread.sleep(1000);
        long heapBefore = cluster.heapAfterGc();
        long rssBefore = Proc.settledRssBytes(pids);
        long cpuBefore = Proc.cpuMicros(pids);
        List<String> channels = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            channels.add("bench.idle." + i);
        }
        Result result = base("connections", clients);
        try (Fleet fleet = new Fleet(setup.clientLoops(), dialect(), cluster.nodes())) {
            Fleet.Connected connected = connect(fleet, channels, i -> i % nodes());
            long cpuAfter = Proc.cpuMicros(pids);
            Thread.sleep(3000); // let the servers settle (lazy allocations, timers)
            long heapAfter = cluster.heapAfterGc();
            long rssAfter = Proc.settledRssBytes(pids);
            int ready = Math.max(1, connected.ready());
            result.connectFailures = connected.failed();
            result.connectPerSecond = round(connected.perSecond(), 1);
            result.rssBeforeMb = round(rssBefore / 1048576.0, 1);
            result.rssAfterMb = round(rssAfter / 1048576.0, 1);
            result.rssPerConnectionKb = round((rssAfter - rssBefore) / 1024.0 / ready, 2);
            if (heapBefore >= 0 && heapAfter >= 0) {
                result.heapBeforeMb = round(heapBefore / 1048576.0, 1);
                result.heapAfterMb = round(heapAfter / 1048576.0, 1);
                result.heapPerConnectionKb = round((heapAfter - heapBefore) / 1024.0 / ready, 2);
            }
            result.serverCpuPerConnection = round((double) (cpuAfter - cpuBefore) / ready, 1);
            result.disconnects = fleet.disconnects();
            result.protocolErrors = fleet.protocolErrors();
            result.notes = notes(fleet, List.of());
        }
        // Every client closed (the fleet waited for the close handshakes); give the servers a moment to let go.
        Thread.sleep(3000);
        try (Fleet fleet = new Fleet(setup.clientLoops(), dialect(), cluster.nodes())) {
            // In two halves, with the memory read between them and after: what one more idle connection costs a
            // server that is already warm (JIT, class loading and the heap's first growth done), apart from those
            // one-time costs, which the cold figure above spreads over its connections. The readings are not
            // timed: the rate and CPU are the halves' sums.
            int half = channels.size() / 2;
            Fleet.Connected first;
            long cpuFirst;
            warmBurst.begin();
            try {
                long cpuBefore2 = Proc.cpuMicros(pids);
                first = connect(fleet, channels.subList(0, half), i -> i % nodes());
                cpuFirst = Proc.cpuMicros(pids) - cpuBefore2;
            } finally {
                warmBurst.end();
            }
            long heapMid = cluster.heapAfterGc();
            long rssMid = Proc.settledRssBytes(pids);
            long cpuMid = Proc.cpuMicros(pids);
            Fleet.Connected second = connect(fleet, channels.subList(half, channels.size()), i -> (half + i) % nodes());
            long cpuSecond = Proc.cpuMicros(pids) - cpuMid;
            Thread.sleep(3000); // as for the cold burst
            long heapEnd = cluster.heapAfterGc();
            long rssEnd = Proc.settledRssBytes(pids);
            int warmReady = first.ready() + second.ready();
            double warmSeconds = first.seconds() + second.seconds();
            result.warmConnectPerSecond = round(warmSeconds > 0 ? warmReady / warmSeconds : 0, 1);
            result.warmConnectFailures = first.failed() + second.failed();
            result.warmServerCpuPerConnection = round((double) (cpuFirst + cpuSecond) / Math.max(1, warmReady), 1);
            int added = Math.max(1, second.ready());
            result.marginalRssPerConnectionKb = round((rssEnd - rssMid) / 1024.0 / added, 2);
            if (heapMid >= 0 && heapEnd >= 0) {
                result.marginalHeapPerConnectionKb = round((heapEnd - heapMid) / 1024.0 / added, 2);
            }
            String warmNotes = notes(fleet, List.of());
            if (warmNotes != null) {
                result.notes = (result.notes == null ? "" : result.notes + "; ") + "warm burst: " + warmNotes;
            }
        }
        progress.accept(result);
        return List.of(result);
    }

    private Fleet.Connected connect(Fleet fleet, List<String> channels, IntUnaryOperator nodeOf) throws Exception {
        Duration timeout = Duration.ofSeconds(Math.max(60, channels.size() / 50));
        Fleet.Connected connected = fleet.connect(channels, nodeOf, setup.connectConcurrency(), timeout);
        if (connected.ready() == 0) {
            throw new IllegalStateException(cluster.system() + ": no client could subscribe: " + fleet.samples());
        }
        return connected;
    }

    /** One phase: publish at {@code rate} for {@code seconds}, wait for the deliveries, count. */
    private Result measure(String scenario, Fleet fleet, Publisher publisher, List<String> channels,
                           Publisher.Pick pick, int clients, double rate, int seconds, boolean byParity) throws Exception {
        Phase phase = new Phase(phases.incrementAndGet(), byParity);
        fleet.install(phase);
        List<Long> pids = cluster.serverPids();
        long serverCpu0 = Proc.cpuMicros(pids);
        JvmThreadCpu threads0 = JvmThreadCpu.read(pids);
        List<Long> redis = redisPids != null ? redisPids : List.of(setup.redis().pid());
        long[] redisCpu0 = redis.stream().mapToLong(Proc::cpuMicros).toArray();
        // Redis's own counters: only for the shared Redis (a Redis Cluster's masters are read per master elsewhere)
        RedisCounters redisCounters0 = redisPids == null ? RedisCounters.read(setup.redis()) : null;
        long selfCpu0 = Proc.cpuMicros(SELF);
        long started = System.nanoTime();
        long count = Math.max(1, Math.round(rate * seconds));
        Duration deadline = Duration.ofSeconds(seconds * 3L + 10);
        Publisher.Plan plan = new Publisher.Plan(phase.id(), channels, rate, count, setup.batch(), pick,
                setup.payload(), deadline);
        Publisher.Outcome outcome = publisher.publish(plan).get(deadline.toSeconds() + 60, TimeUnit.SECONDS);

        long expected = 0;
        for (Map.Entry<String, BitSet> entry : outcome.acked().entrySet()) {
            expected += (long) entry.getValue().cardinality() * fleet.subscribers(entry.getKey());
        }
        drain(phase, expected);
        long serverCpu = Proc.cpuMicros(pids) - serverCpu0;
        JvmThreadCpu threads = JvmThreadCpu.read(pids);
        List<Double> redisCpuEach = new ArrayList<>(redis.size());
        for (int i = 0; i < redis.size(); i++) {
            redisCpuEach.add((double) (Proc.cpuMicros(redis.get(i)) - redisCpu0[i]));
        }
        long redisCpu = Math.round(redisCpuEach.stream().mapToDouble(Double::doubleValue).sum());
        RedisCounters redisWork = redisCounters0 == null ? null : RedisCounters.read(setup.redis()).since(redisCounters0);
        long selfCpu = Proc.cpuMicros(SELF) - selfCpu0;
        long[] tally = fleet.tally(phase, outcome.acked());
        Histogram[] latency = phase.latencies();

        Result result = base(scenario, clients);
        result.rate = rate;
        result.batch = setup.batch();
        result.published = outcome.published();
        result.publishFailed = outcome.failed();
        result.unpublished = outcome.unpublished();
        result.expected = expected;
        result.delivered = tally[0];
        result.lost = tally[1];
        result.duplicates = tally[2];
        result.outOfOrder = tally[3];
        result.unexpected = tally[4];
        result.stale = phase.stale();
        long last = phase.lastDeliveryNanos() > 0 ? phase.lastDeliveryNanos() : System.nanoTime();
        double window = Math.max(1e-3, (last - started) / 1e9);
        result.seconds = round(window, 2);
        result.publishedPerSecond = round(outcome.publishedPerSecond(), 1);
        result.deliveredPerSecond = round(tally[0] / window, 0);
        fillLatency(result, latency[0]);
        result.httpP99 = millis(outcome.requestMicros().getValueAtPercentile(99));
        result.serverCpuMicros = (double) serverCpu;
        result.redisCpuMicros = (double) redisCpu;
        if (threads.isJvm()) {
            result.serverJitMicros = (double) threads.micros(JvmThreadCpu.Kind.JIT, threads0);
            result.serverGcMicros = (double) threads.micros(JvmThreadCpu.Kind.GC, threads0);
        }
        result.redisCpuMicrosEach = redis.size() > 1 ? redisCpuEach : null;
        if (redisWork != null && outcome.published() > 0) {
            result.redisReadsPerEvent = round((double) redisWork.reads() / outcome.published(), 2);
            result.redisCommandsPerEvent = round((double) redisWork.commands() / outcome.published(), 2);
            result.redisScriptMicrosPerEvent = round((double) redisWork.scriptMicros() / outcome.published(), 1);
        }
        result.generatorCpuMicros = (double) selfCpu;
        if (tally[0] > 0) {
            result.serverCpuPerDelivery = round((double) serverCpu / tally[0], 2);
            result.redisCpuPerDelivery = round((double) redisCpu / tally[0], 2);
        }
        if (byParity) {
            result.remoteP50 = millis(latency[1].getValueAtPercentile(50));
            result.remoteP99 = millis(latency[1].getValueAtPercentile(99));
            result.localP50 = millis(latency[2].getValueAtPercentile(50));
            result.localP99 = millis(latency[2].getValueAtPercentile(99));
            result.addedP50 = round(result.remoteP50 - result.localP50, 3);
        }
        result.disconnects = fleet.disconnects();
        result.protocolErrors = fleet.protocolErrors();
        result.notes = notes(fleet, outcome.errors());
        return result;
    }

    /** Waits until every expected delivery arrived, or nothing arrived for 3 s, or 30 s passed. */
    private static void drain(Phase phase, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long lastCount = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long delivered = phase.delivered();
            if (delivered >= expected) {
                return;
            }
            if (delivered != lastCount) {
                lastCount = delivered;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(3)) {
                return;
            }
            Thread.sleep(20);
        }
    }

    private Result base(String scenario, int clients) {
        Result result = new Result();
        result.system = cluster.system();
        result.scenario = scenario;
        result.nodes = nodes();
        result.clients = clients;
        return result;
    }

    private static void fillLatency(Result result, Histogram histogram) {
        if (histogram.getTotalCount() == 0) {
            return;
        }
        result.p50 = millis(histogram.getValueAtPercentile(50));
        result.p90 = millis(histogram.getValueAtPercentile(90));
        result.p99 = millis(histogram.getValueAtPercentile(99));
        result.p999 = millis(histogram.getValueAtPercentile(99.9));
        result.max = millis(histogram.getMaxValue());
    }

    private static String notes(Fleet fleet, List<String> publishErrors) {
        List<String> notes = new ArrayList<>(publishErrors);
        if (fleet.malformed() > 0) {
            notes.add(fleet.malformed() + " unreadable event frame(s)");
        }
        notes.addAll(fleet.samples());
        return notes.isEmpty() ? null : String.join("; ", notes);
    }

    private static List<String> repeat(String channel, int times) {
        List<String> channels = new ArrayList<>(times);
        for (int i = 0; i < times; i++) {
            channels.add(channel);
        }
        return channels;
    }

    private static double millis(long micros) {
        return round(micros / 1000.0, 3);
    }

    static double round(double value, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }
}
