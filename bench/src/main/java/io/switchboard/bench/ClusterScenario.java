package io.switchboard.bench;

import io.switchboard.bench.target.RedisClusterServers;
import io.switchboard.bench.target.RedisServer;
import io.switchboard.bench.target.SwitchboardCluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The {@code cluster} scenario (Switchboard only): the broadcast and rooms steps on the shared single Redis, then
 * the same steps on a private three-master Redis Cluster ({@link RedisClusterServers}), where Switchboard publishes
 * with SPUBLISH (Redis 7) so that only the master owning a channel's slot carries its events. Writes
 * {@code cluster.md}: each master's CPU per published event beside the single Redis's, step by step.
 *
 * <p>Rows are reported like every scenario's, under {@code cluster-single-<steps>} and {@code cluster-<steps>}
 * (each cluster row with {@link Result#redisCpuMicrosEach}, one figure per master).
 */
final class ClusterScenario {
    private static final List<String> STEPS = List.of("broadcast", "rooms");

    private final Options options;
    private final Scenarios.Setup setup;
    private final AtomicInteger phases;
    private final Consumer<Result> progress;

    ClusterScenario(Options options, Scenarios.Setup setup, AtomicInteger phases, Consumer<Result> progress) {
        this.options = options;
        this.setup = setup;
        this.phases = phases;
        this.progress = progress;
    }

    /**
     * @param single Switchboard already running on the single Redis (the run's own cluster), {@code nodes} nodes
     * @return lines for the report's footer
     */
    List<String> run(Scenarios single, int nodes, RedisServer redis, String token, Path logs, Path out) throws Exception {
        List<Result> singleRows = new ArrayList<>();
        for (String step : STEPS) {
            singleRows.addAll(steps(single, "cluster-single-" + step, step));
        }
        List<Result> clusterRows = new ArrayList<>();
        List<Long> spublish = new ArrayList<>();
        List<Long> publish = new ArrayList<>();
        List<Integer> slots;
        try (RedisClusterServers redisCluster = RedisClusterServers.start(logs.resolve("redis-cluster"))) {
            slots = redisCluster.slotCounts();
            List<String> jvm = new ArrayList<>(options.jvmOptions());
            jvm.add("-Dswitchboard.redisson-config="
                    + redisCluster.redissonYaml(logs, options.subscriptionsPerConnection()));
            try (SwitchboardCluster workers = SwitchboardCluster.start(nodes, options.demoJar(), redis, token,
                    jvm, 0, logs.resolve("on-redis-cluster"))) {
                Scenarios onCluster = new Scenarios(setup, workers, phases, progress).countingRedis(redisCluster.pids());
                for (String step : STEPS) {
                    clusterRows.addAll(steps(onCluster, "cluster-" + step, step));
                }
            }
            for (int i = 0; i < redisCluster.pids().size(); i++) {
                spublish.add(redisCluster.commandCalls(i, "spublish"));
                publish.add(redisCluster.commandCalls(i, "publish"));
            }
        }
        Path file = out.resolve("cluster.md");
        Files.writeString(file, markdown(singleRows, clusterRows, slots, spublish, publish));
        return List.of("- Redis Cluster (3 masters) against the single Redis, CPU per event by master: `"
                + out.relativize(file) + "`");
    }

    private List<Result> steps(Scenarios scenarios, String name, String step) throws Exception {
        return switch (step) {
            // Every rate on both, so that each row of the cluster has its single-Redis row to stand beside.
            case "broadcast" -> scenarios.broadcast(name, options.clients(), options.rates(), false);
            case "rooms" -> scenarios.rooms(name, options.roomClients(), options.roomRates(), false);
            default -> throw new IllegalArgumentException(step);
        };
    }

    private static String markdown(List<Result> single, List<Result> cluster, List<Integer> slots, List<Long> spublish,
                                   List<Long> publish) {
        StringBuilder md = new StringBuilder("# Switchboard on a Redis Cluster (3 masters) and on a single Redis\n\n");
        md.append("Redis CPU per published event (µs, utime + stime of each redis-server over the step), the same ")
                .append("steps on the single shared Redis and on a private three-master Redis Cluster (Redis 7: ")
                .append("sharded pub/sub, SPUBLISH on the master owning the channel's slot). Slots per master: ")
                .append(slots).append(". Over the whole cluster run, SPUBLISH calls per master: ").append(spublish)
                .append("; PUBLISH calls (the bus's probes and node messages, never events): ").append(publish)
                .append(". A master that owns no channel of the step still spends its idle CPU (server cron, ")
                .append("cluster bus pings): one clock tick over a short step is many µs per event.\n\n");
        for (String step : STEPS) {
            md.append("## ").append(step).append("\n\n")
                    .append("| rate (ev/s) | single Redis µs/event | master 1 | master 2 | master 3 | cluster total | ")
                    .append("busiest master / single | p99 single / cluster (ms) | lost, ooo (cluster) |\n")
                    .append("|---|---|---|---|---|---|---|---|---|\n");
            for (Result c : cluster.stream().filter(r -> r.scenario.equals("cluster-" + step)).toList()) {
                Result s = single.stream().filter(r -> r.scenario.equals("cluster-single-" + step)
                        && r.rate.equals(c.rate)).findFirst().orElse(null);
                double events = Math.max(1, c.published);
                List<Double> each = c.redisCpuMicrosEach == null ? List.of() : c.redisCpuMicrosEach;
                Double singlePerEvent = s == null ? null : s.redisCpuMicros / Math.max(1, s.published);
                double busiest = each.stream().mapToDouble(Double::doubleValue).max().orElse(0) / events;
                md.append("| ").append(Report.f(c.rate, 0)).append(" | ").append(Report.f(singlePerEvent, 1));
                for (int i = 0; i < 3; i++) {
                    md.append(" | ").append(i < each.size() ? Report.f(each.get(i) / events, 1) : "");
                }
                md.append(" | ").append(Report.f(c.redisCpuMicros / events, 1))
                        .append(" | ").append(singlePerEvent == null || singlePerEvent == 0 ? "" :
                                String.format(Locale.ROOT, "%.2f×", busiest / singlePerEvent))
                        .append(" | ").append(s == null ? "" : Report.f(s.p99, 1)).append(" / ").append(Report.f(c.p99, 1))
                        .append(" | ").append(c.lost).append(", ").append(c.outOfOrder).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }
}
