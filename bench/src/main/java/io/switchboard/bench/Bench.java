package io.switchboard.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.switchboard.bench.target.AsyncProfiler;
import io.switchboard.bench.target.Cluster;
import io.switchboard.bench.target.FloorCluster;
import io.switchboard.bench.target.Proc;
import io.switchboard.bench.target.RedisServer;
import io.switchboard.bench.target.SocketIoCluster;
import io.switchboard.bench.target.SwitchboardCluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The benchmark: for each node count and scenario, runs both systems one after the other (alternating which
 * goes first), each on a fresh cluster against the same Redis, with the same generator, and writes the report.
 */
public final class Bench {
    private final Options options;
    private final List<Result> results = new ArrayList<>();
    private final List<String> footer = new ArrayList<>();
    private AsyncProfiler profiler; // with --profile; set before the first scenario

    Bench(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.print(Options.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        int code;
        try {
            code = new Bench(options).run();
        } catch (Exception e) {
            System.err.println("bench: " + e.getMessage());
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    int run() throws Exception {
        Path out = options.out().toAbsolutePath();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        if (options.profile()) {
            profiler = AsyncProfiler.extract(out.resolve("profile")); // before anything runs: fails on other platforms
        }
        String token = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        EventLoopGroup clientLoops = new MultiThreadIoEventLoopGroup(options.threads(), NioIoHandler.newFactory());
        EventLoopGroup publisherLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        RedisServer redis = options.redisPort() > 0
                ? RedisServer.existing(options.redisPort(), options.redisPid())
                : RedisServer.start(logs);
        Report report = new Report(out, options, header(redis));
        long files = Proc.openFileLimit();
        int most = Math.max(Math.max(options.clients(), options.wideClients()),
                Math.max(options.roomClients(), options.idleClients()));
        if (files > 0 && most + 200 > files) {
            say("warning: up to " + most + " clients but this process may open only " + files
                    + " files (ulimit -n); connections beyond that fail");
        }
        if (userArguments(options.commandLine()).isEmpty()) {
            say("the default run: what the targets need, " + Options.DEFAULT_DURATION_TEXT + " on a 2-core machine");
        }
        int failures = 0;
        try {
            Scenarios.Setup setup = new Scenarios.Setup(clientLoops, publisherLoop, redis, token, options.duration(),
                    options.warmup(), options.batch(), options.payload(), options.httpConnections(),
                    options.connectConcurrency(), options.stopP99Millis(), options.wsQuery());
            AtomicInteger phases = new AtomicInteger();
            int turn = 0;
            for (int nodes : options.nodes()) {
                for (String scenario : options.scenarios()) {
                    if (scenario.equals("hop") && nodes < 2) {
                        say("hop needs 2 nodes or more; skipped for " + nodes);
                        continue;
                    }
                    List<String> systems = new ArrayList<>(options.systems());
                    if (turn++ % 2 == 1) {
                        java.util.Collections.reverse(systems);
                    }
                    for (String system : systems) {
                        if ((scenario.equals("sse") || scenario.equals("cluster")) && !system.equals("switchboard")) {
                            continue; // the baseline has no SSE transport to compare, nor a cluster run
                        }
                        if (system.equals("floor") && !Options.FLOOR_SCENARIOS.contains(scenario)) {
                            continue; // the floor is a reference for the cost per delivery only
                        }
                        try {
                            runOne(system, scenario, nodes, setup, phases, redis, token, logs, out, report);
                        } catch (Exception e) {
                            failures++;
                            String message = system + " " + scenario + " on " + nodes + " nodes failed: " + e;
                            say(message);
                            footer.add("- FAILED: " + message);
                            report.write(results, footer);
                        }
                    }
                }
            }
        } finally {
            footer.add("Finished " + LocalDateTime.now().withNano(0) + "; load average at the end: " + Proc.loadAverage() + ".");
            report.write(results, footer);
            publisherLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            clientLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            redis.close();
        }
        say("results: " + out.resolve("results.md"));
        say("chart:   " + out.resolve("chart.html"));
        return failures == 0 ? 0 : 1;
    }

    private void runOne(String system, String scenario, int nodes, Scenarios.Setup setup, AtomicInteger phases,
                        RedisServer redis, String token, Path logs, Path out, Report report) throws Exception {
        redis.call("FLUSHALL");
        say(String.format(Locale.ROOT, "== %s, %s, %d node(s)", system, scenario, nodes));
        Path runLogs = logs.resolve(system + "-" + scenario + "-" + nodes);
        try (Cluster cluster = switch (system) {
            case "switchboard" -> SwitchboardCluster.start(nodes, options.demoJar(), redis, token, options.jvmOptions(),
                    options.subscriptionsPerConnection(), runLogs);
            case "floor" -> FloorCluster.start(nodes, List.of("-Xmx1g"), runLogs);
            default -> SocketIoCluster.start(nodes, options.baselineDir(), redis, runLogs);
        }) {
            java.util.function.Consumer<Result> progress = result -> {
                results.add(result);
                say("   " + line(result));
                try {
                    report.write(results, footer);
                } catch (IOException e) {
                    say("cannot write the report: " + e.getMessage());
                }
            };
            Scenarios scenarios = new Scenarios(setup, cluster, phases, progress);
            // Switchboard's workers only. For connections, async-profiler covers the first half of the warm burst
            // alone (warm servers connecting, nothing else) and JFR nothing: its bursts are not steps like the rest.
            SwitchboardCluster workers = cluster instanceof SwitchboardCluster switchboard ? switchboard : null;
            boolean bursts = scenario.equals("connections");
            SwitchboardCluster profiled = bursts ? null : workers;
            String prefix = scenario + "-" + nodes + "n";
            String what = bursts ? "connections warm burst (its first half)" : scenario + " steps";
            List<AsyncProfiler.Recording> recordings = new ArrayList<>();
            if (workers != null && bursts && options.profile()) {
                scenarios.aroundWarmBurst(new Bracket() {
                    @Override
                    public void begin() throws IOException {
                        workers.startProfiling(profiler, prefix + "-warm");
                    }

                    @Override
                    public void end() throws IOException {
                        recordings.addAll(workers.stopProfiling());
                    }
                });
            }
            if (profiled != null && options.jfr()) {
                profiled.startRecording();
            }
            if (profiled != null && options.profile()) {
                profiled.startProfiling(profiler, prefix);
            }
            switch (scenario) {
                case "broadcast" -> scenarios.broadcast("broadcast", options.clients(), options.rates(), true);
                case "sse" -> scenarios.broadcastOverSse(options.clients(), options.rates());
                case "wide" -> scenarios.broadcast("wide", options.wideClients(), List.of(options.wideRate()), false);
                case "rooms" -> scenarios.rooms(options.roomClients(), options.roomRates());
                case "connections" -> scenarios.connections(options.idleClients());
                case "hop" -> scenarios.hop(options.hopClients(), options.hopRate());
                case "cluster" -> footer.addAll(new ClusterScenario(options, setup, phases, progress)
                        .run(scenarios, nodes, redis, token, runLogs, out));
                default -> throw new IllegalArgumentException(scenario);
            }
            if (profiled != null && options.jfr()) {
                Path jfr = out.resolve("jfr");
                Files.createDirectories(jfr);
                for (Path file : profiled.stopRecording(jfr, prefix)) {
                    say("   JFR: " + file);
                    footer.add("- JFR recording of the " + scenario + " steps: `" + out.relativize(file) + "`");
                }
            }
            if (profiled != null && options.profile()) {
                recordings.addAll(profiled.stopProfiling());
            }
            for (AsyncProfiler.Recording recording : recordings) {
                Path summary = ProfileSummary.writeBeside(recording.collapsed(), "async-profiler, event="
                        + recording.event() + ", interval 1 ms: " + recording.collapsed().getFileName());
                say("   profile: " + recording.collapsed() + " (" + recording.event() + "), " + summary.getFileName());
                footer.add("- async-profiler (" + recording.event() + ") of the " + what + ": `"
                        + out.relativize(recording.collapsed()) + "`, summary `" + out.relativize(summary) + "`");
            }
        }
    }

    private List<String> header(RedisServer redis) throws IOException {
        List<String> header = new ArrayList<>();
        header.add("Run " + LocalDateTime.now().withNano(0).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
                + " on " + Runtime.getRuntime().availableProcessors() + " CPUs; load average at the start: "
                + Proc.loadAverage() + ".");
        header.add("Command: `" + ("bench/run " + String.join(" ", userArguments(options.commandLine()))).trim() + "`");
        header.add("Java " + System.getProperty("java.version") + " (generator and Switchboard workers, worker options `"
                + String.join(" ", options.jvmOptions()) + "`"
                + (options.subscriptionsPerConnection() > 0 ? ", Redisson subscriptionsPerConnection "
                + options.subscriptionsPerConnection() : ", the module's Redisson defaults") + "), " + version("node", "--version") + ", "
                + version("redis-server", "--version").replaceAll(" sha=.*", "") + " (one private instance, shared).");
        header.add("Generator: one process, Netty, " + options.threads() + " event-loop thread(s); "
                + options.duration() + " s per step after a " + options.warmup() + " s warm-up; payload "
                + options.payload() + " B; " + (options.batch() == 1 ? "single-event publish requests" : "batches of up to " + options.batch() + " events")
                + "; " + options.httpConnections() + " HTTP connections per node.");
        return header;
    }

    /** The command line without what bench/run adds itself (paths, the Redis it started). */
    static List<String> userArguments(List<String> args) {
        List<String> added = List.of("--redis-port", "--redis-pid", "--demo-jar", "--baseline-dir");
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (added.contains(arg)) {
                i++; // and its value
            } else if (added.stream().noneMatch(a -> arg.startsWith(a + "="))) {
                kept.add(arg);
            }
        }
        return kept;
    }

    private static String version(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor(10, TimeUnit.SECONDS);
            return command[0] + " " + text.replace("Redis server ", "");
        } catch (IOException e) {
            return command[0] + " (not found)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return command[0];
        }
    }

    static String line(Result r) {
        if (r.scenario.equals("connections")) {
            return String.format(Locale.ROOT, "%s connections n=%d c=%d: %.0f connected/s cold, %s warm, RSS %.1f KiB/conn (warm %s), heap %s KiB/conn (warm %s), failed %d + %s",
                    r.system, r.nodes, r.clients, r.connectPerSecond, Report.f(r.warmConnectPerSecond, 0),
                    r.rssPerConnectionKb, Report.f(r.marginalRssPerConnectionKb, 1), Report.f(r.heapPerConnectionKb, 1),
                    Report.f(r.marginalHeapPerConnectionKb, 1), r.connectFailures,
                    r.warmConnectFailures == null ? "" : r.warmConnectFailures.toString());
        }
        String hop = r.addedP50 == null ? "" : String.format(Locale.ROOT, ", p50 local %.2f remote %.2f ms", r.localP50, r.remoteP50);
        return String.format(Locale.ROOT,
                "%s %s n=%d c=%d rate=%s: published %d, delivered %d/%d, lost %d, dup %d, ooo %d, p50 %s p99 %s max %s ms, server %s µs/delivery, redis %s%s%s",
                r.system, r.scenario, r.nodes, r.clients, Report.f(r.rate, 0), r.published, r.delivered, r.expected,
                r.lost, r.duplicates, r.outOfOrder, Report.f(r.p50, 2), Report.f(r.p99, 2), Report.f(r.max, 1),
                Report.f(r.serverCpuPerDelivery, 1), Report.f(r.redisCpuPerDelivery, 1), hop,
                r.notes == null ? "" : " [" + r.notes + "]");
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
