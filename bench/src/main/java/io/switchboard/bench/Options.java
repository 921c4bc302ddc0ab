package io.switchboard.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The generator's command line: {@code --name value} pairs and a few switches; see {@link #USAGE}. */
record Options(List<String> systems, List<String> scenarios, List<Integer> nodes, int duration, int warmup,
               int clients, List<Double> rates, int wideClients, double wideRate, int roomClients,
               List<Double> roomRates, int idleClients, int hopClients, double hopRate, int batch, int payload,
               int httpConnections, int connectConcurrency, double stopP99Millis, int threads,
               int redisPort, long redisPid, Path demoJar, Path baselineDir, Path out, List<String> jvmOptions,
               int subscriptionsPerConnection, boolean jfr, boolean profile, String wsQuery, List<String> commandLine) {

    static final List<String> ALL_SYSTEMS = List.of("switchboard", "socketio", "floor");
    static final List<String> ALL_SCENARIOS = List.of("broadcast", "sse", "wide", "rooms", "connections", "hop");
    // ---- the defaults the targets need (see Report's "Against the targets") ----
    /** Without --scenarios: what the targets need (sse only on request). */
    static final List<String> DEFAULT_SCENARIOS = List.of("broadcast", "wide", "rooms", "connections", "hop");
    /** The systems that run a scenario's steps: the floor only where a per-delivery cost is compared. */
    static final List<String> FLOOR_SCENARIOS = List.of("broadcast", "rooms");
    static final String DEFAULT_RATES = "20,50,100,125,150,200,250,300,400";
    static final String DEFAULT_ROOM_RATES = "2000,4000,8000";
    /**
     * Long enough for a JVM's compilers to be done with the hot paths before the first step: with 10 s, Switchboard's
     * first rooms step (2,000 ev/s) measured 695.8 µs of server CPU per event, with 30 s 522.8 µs, both against
     * about 290 µs at 4,000 ev/s. Every system gets the same.
     */
    static final int DEFAULT_WARMUP = 30;
    static final int DEFAULT_STEP_SECONDS = 20;
    /** What `bench/run` without options takes on this project's 2-core machine. */
    static final String DEFAULT_DURATION_TEXT = "about 15 to 20 minutes";
    /** Scenarios run only when named: {@code cluster} starts a Redis Cluster of its own (see ClusterScenario). */
    static final List<String> NAMED_SCENARIOS = java.util.stream.Stream.concat(ALL_SCENARIOS.stream(),
            java.util.stream.Stream.of("cluster")).toList();

    static final String USAGE = """
            Usage: java -jar bench/target/switchboard-bench.jar [options]   (normally through bench/run)

            Runs Switchboard and the Socket.IO baseline with the same node count, scenarios and generator,
            alternating them, and writes results.md, results.json and chart.html into --out. Without options it
            runs what the targets need: %s on a 2-core machine.

              --systems LIST            switchboard,socketio,floor (default: all three); floor is a minimal Netty
                                        writer (the machine's floor), run for broadcast and rooms only
              --scenarios LIST          broadcast,sse,wide,rooms,connections,hop (default: all but sse); sse is
                                        broadcast with Switchboard's clients on SSE (same --clients and --rates)
                                        cluster (only when named, Switchboard only): broadcast and rooms on the
                                        single Redis, then on a 3-master Redis Cluster, Redis CPU by master
              --nodes LIST              server processes per system, e.g. 2 or 2,3 (default 2)
              --duration S              seconds of publishing per rate step (default 20)
              --warmup S                unreported warm-up before the first step of a scenario (default 30)
              --clients N               broadcast: clients on one channel (default 1000)
              --rates LIST              broadcast: events/s steps, until p99 passes --stop-p99 or an event is
                                        lost (default 20,50,100,125,150,200,250,300,400)
              --wide-clients N          wide: clients on one channel (default 4000)
              --wide-rate R             wide: events/s (default 5)
              --room-clients N          rooms: clients, each on its own channel (default 4000)
              --room-rates LIST         rooms: events/s steps to random channels (default 2000,4000,8000)
              --idle-clients N          connections: idle clients to connect, cold (first after start), then
                                        all closed and connected again, warm (default 10000)
              --hop-clients N           hop: clients, all on node 2 (default 200)
              --hop-rate R              hop: events/s, alternately published through node 1 and node 2 (default 50)
              --batch N                 events per publish request; 1 uses the single-event endpoint (default 1)
              --payload B               bytes of event data (default 100)
              --http-connections N      publisher keep-alive connections per node (default 8)
              --connect-concurrency N   WebSocket handshakes in flight at once (default 200)
              --stop-p99 MS             p99 latency that ends the rate stepping (default 100)
              --threads N               generator event-loop threads (default 2)
              --redis-port P --redis-pid PID   use this Redis (bench/run starts one); default: start one
              --demo-jar PATH           default sample-webapp/target/switchboard-demo.jar
              --baseline-dir PATH       default bench/baseline-socketio
              --out DIR                 default bench/results/<timestamp>
              --jvm-opts "OPTS"         JVM options of the Switchboard workers (default "-Xmx2g")
              --subscriptions-per-connection N
                                        Redisson pub/sub channels per connection for the Switchboard workers,
                                        through a Redisson YAML file (default 1000; 0 = the module's own
                                        defaults: 500 per connection, 25,000 channels per node)
              --jfr                     record JFR on the Switchboard workers during each scenario but connections
              --profile                 sample CPU with async-profiler (1 ms; perf events with kernel frames, else
                                        itimer) on the Switchboard workers during each scenario (connections:
                                        the first half of its warm burst alone); writes profile/<scenario>-<nodes>n
                                        [-warm]-node-<i>.collapsed (collapsed stacks) and .txt (samples by thread
                                        kind, top frames)
              --ws-query Q              the query Switchboard's WebSocket clients connect with (default
                                        batch=1&binary=1, as client.js asks; "" = one text frame per message)
            """.formatted(DEFAULT_DURATION_TEXT);

    private static final Set<String> SWITCHES = Set.of("jfr", "profile", "help");

    static Options parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            int eq = name.indexOf('=');
            if (eq > 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (SWITCHES.contains(name)) {
                values.put(name, "true");
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                values.put(name, args[++i]);
            }
        }
        if (values.containsKey("help")) {
            throw new IllegalArgumentException("");
        }
        Reader r = new Reader(values);
        String stamp = java.time.LocalDateTime.now().withNano(0).toString().replace(":", "").replace("T", "-");
        Options options = new Options(
                r.list("systems", ALL_SYSTEMS, ALL_SYSTEMS),
                r.list("scenarios", DEFAULT_SCENARIOS, NAMED_SCENARIOS),
                r.ints("nodes", "2"),
                r.integer("duration", DEFAULT_STEP_SECONDS, 1, 3600),
                r.integer("warmup", DEFAULT_WARMUP, 0, 600),
                r.integer("clients", 1000, 1, 100_000),
                r.doubles("rates", DEFAULT_RATES),
                r.integer("wide-clients", 4000, 1, 100_000),
                r.decimal("wide-rate", 5),
                r.integer("room-clients", 4000, 1, 100_000),
                r.doubles("room-rates", DEFAULT_ROOM_RATES),
                r.integer("idle-clients", 10_000, 1, 100_000),
                r.integer("hop-clients", 200, 1, 100_000),
                r.decimal("hop-rate", 50),
                r.integer("batch", 1, 1, 100),
                r.integer("payload", 100, 48, 60_000),
                r.integer("http-connections", 8, 1, 256),
                r.integer("connect-concurrency", 200, 1, 10_000),
                r.decimal("stop-p99", 100),
                r.integer("threads", 2, 1, 64),
                r.integer("redis-port", 0, 0, 65535),
                r.integer("redis-pid", 0, 0, Integer.MAX_VALUE),
                Path.of(values.getOrDefault("demo-jar", "sample-webapp/target/switchboard-demo.jar")),
                Path.of(values.getOrDefault("baseline-dir", "bench/baseline-socketio")),
                Path.of(values.getOrDefault("out", "bench/results/" + stamp)),
                Arrays.stream(values.getOrDefault("jvm-opts", "-Xmx2g").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList(),
                r.integer("subscriptions-per-connection", 1000, 0, 100_000),
                values.containsKey("jfr"),
                values.containsKey("profile"),
                r.wsQuery("ws-query", "batch=1&binary=1"),
                List.of(args));
        r.rejectUnknown();
        if (options.redisPort() == 6379) {
            throw new IllegalArgumentException("--redis-port 6379 is not used: start a private Redis on another port");
        }
        return options;
    }

    /** Reads and validates values, remembering which were used. */
    private static final class Reader {
        private final Map<String, String> values;
        private final Set<String> used = new java.util.HashSet<>(SWITCHES);

        Reader(Map<String, String> values) {
            this.values = values;
            used.addAll(List.of("demo-jar", "baseline-dir", "out", "jvm-opts"));
        }

        String raw(String name, String fallback) {
            used.add(name);
            return values.getOrDefault(name, fallback);
        }

        int integer(String name, int fallback, int min, int max) {
            String text = raw(name, String.valueOf(fallback));
            try {
                int value = Integer.parseInt(text.trim());
                if (value < min || value > max) {
                    throw new IllegalArgumentException("--" + name + " must be between " + min + " and " + max + ", was " + value);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a whole number, was '" + text + "'");
            }
        }

        double decimal(String name, double fallback) {
            String text = raw(name, String.valueOf(fallback));
            try {
                double value = Double.parseDouble(text.trim());
                if (!(value > 0)) {
                    throw new IllegalArgumentException("--" + name + " must be positive, was " + text);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " must be a number, was '" + text + "'");
            }
        }

        /** A WebSocket query string: name=value pairs joined by '&amp;', or empty. */
        String wsQuery(String name, String fallback) {
            String text = raw(name, fallback).trim();
            if (!text.matches("([A-Za-z0-9_-]+=[A-Za-z0-9_-]*(&[A-Za-z0-9_-]+=[A-Za-z0-9_-]*)*)?")) {
                throw new IllegalArgumentException("--" + name + " must be name=value pairs joined by '&' (or empty), was '" + text + "'");
            }
            return text;
        }

        List<Integer> ints(String name, String fallback) {
            List<Integer> out = new ArrayList<>();
            for (String part : raw(name, fallback).split(",")) {
                try {
                    int value = Integer.parseInt(part.trim());
                    if (value < 1 || value > 16) {
                        throw new IllegalArgumentException("--" + name + " values must be between 1 and 16, was " + value);
                    }
                    out.add(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + name + " must be a comma list of whole numbers, was '" + part + "'");
                }
            }
            return out;
        }

        List<Double> doubles(String name, String fallback) {
            List<Double> out = new ArrayList<>();
            for (String part : raw(name, fallback).split(",")) {
                try {
                    double value = Double.parseDouble(part.trim());
                    if (!(value > 0)) {
                        throw new IllegalArgumentException("--" + name + " values must be positive, was " + part);
                    }
                    out.add(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + name + " must be a comma list of numbers, was '" + part + "'");
                }
            }
            return out;
        }

        List<String> list(String name, List<String> fallback, List<String> allowed) {
            String text = raw(name, String.join(",", fallback));
            List<String> out = new ArrayList<>();
            for (String part : text.split(",")) {
                String value = part.trim();
                if (!allowed.contains(value)) {
                    throw new IllegalArgumentException("--" + name + ": unknown '" + value + "' (one of " + allowed + ")");
                }
                out.add(value);
            }
            return out;
        }

        void rejectUnknown() {
            for (String name : values.keySet()) {
                if (!used.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name);
                }
            }
        }
    }
}
