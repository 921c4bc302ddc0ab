package io.switchboard.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Writes results.json, results.md (tables and the targets) and chart.html (inline SVG, no external files). */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String SB = "switchboard";
    private static final String SIO = "socketio";

    private final Path dir;
    private final Options options;
    private final List<String> header;

    Report(Path dir, Options options, List<String> header) {
        this.dir = dir;
        this.options = options;
        this.header = header;
    }

    void write(List<Result> results, List<String> footer) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("results.json").toFile(), results);
        Files.writeString(dir.resolve("results.md"), markdown(results, footer), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("chart.html"), html(results), StandardCharsets.UTF_8);
    }

    // ---- Markdown --------------------------------------------------------------------------------------

    private String markdown(List<Result> results, List<String> footer) {
        StringBuilder md = new StringBuilder("# Switchboard vs Socket.IO + Redis adapter: benchmark results\n\n");
        header.forEach(line -> md.append(line).append("  \n"));
        md.append('\n');
        for (int nodes : options.nodes()) {
            List<Result> mine = results.stream().filter(r -> r.nodes == nodes).toList();
            if (mine.isEmpty()) {
                continue;
            }
            md.append("## ").append(nodes).append(" node").append(nodes == 1 ? "" : "s").append("\n\n");
            Targets.write(md, mine, options.stopP99Millis());
            for (String scenario : List.of("broadcast", "sse", "wide", "rooms")) {
                List<Result> rows = mine.stream().filter(r -> r.scenario.equals(scenario)).toList();
                if (!rows.isEmpty()) {
                    md.append("### ").append(scenario).append(" (").append(describe(scenario)).append(")\n\n");
                    deliveryTable(md, rows);
                    if (scenario.equals("sse")) {
                        sseBesideWebSocket(md, mine);
                    }
                    if (scenario.equals("broadcast") || scenario.equals("rooms")) {
                        againstTheFloor(md, rows, scenario);
                        redisWork(md, rows);
                        jvmThreads(md, rows, scenario);
                    }
                }
            }
            List<Result> conns = mine.stream().filter(r -> r.scenario.equals("connections")).toList();
            if (!conns.isEmpty()) {
                md.append("### connections (").append(describe("connections")).append(")\n\n");
                md.append("| system | clients | connected/s cold | connected/s warm | RSS/conn KiB cold | heap/conn KiB cold | RSS/conn KiB warm | heap/conn KiB warm | server CPU µs/conn cold | warm | RSS MiB before → after (cold) | heap MiB before → after (cold) | failed cold + warm |\n");
                md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                for (Result r : conns) {
                    md.append(row(r.system, n(r.clients), f(r.connectPerSecond, 0), f(r.warmConnectPerSecond, 0),
                            f(r.rssPerConnectionKb, 1), f(r.heapPerConnectionKb, 1), f(r.marginalRssPerConnectionKb, 1),
                            f(r.marginalHeapPerConnectionKb, 1), f(r.serverCpuPerConnection, 0),
                            f(r.warmServerCpuPerConnection, 0), f(r.rssBeforeMb, 0) + " → " + f(r.rssAfterMb, 0),
                            f(r.heapBeforeMb, 0) + " → " + f(r.heapAfterMb, 0),
                            n(r.connectFailures) + " + " + n(r.warmConnectFailures)));
                }
                md.append('\n');
            }
            List<Result> hops = mine.stream().filter(r -> r.scenario.equals("hop")).toList();
            if (!hops.isEmpty()) {
                md.append("### hop (").append(describe("hop")).append(")\n\n");
                md.append("| system | clients | rate ev/s | p50 local ms | p50 remote ms | added p50 ms | p99 local ms | p99 remote ms | lost | dup | ooo |\n");
                md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                for (Result r : hops) {
                    md.append(row(r.system, n(r.clients), f(r.rate, 0), f(r.localP50, 2), f(r.remoteP50, 2),
                            f(r.addedP50, 2), f(r.localP99, 2), f(r.remoteP99, 2), n(r.lost), n(r.duplicates), n(r.outOfOrder)));
                }
                md.append('\n');
            }
        }
        List<Result> noted = results.stream().filter(r -> r.notes != null).toList();
        if (!noted.isEmpty()) {
            md.append("## Notes from the run\n\n");
            for (Result r : noted) {
                md.append("- ").append(r.system).append(' ').append(r.scenario).append(' ').append(r.nodes).append(" nodes")
                        .append(r.rate != null ? " @ " + f(r.rate, 0) + "/s" : "").append(": ").append(r.notes).append('\n');
            }
            md.append('\n');
        }
        footer.forEach(line -> md.append(line).append('\n'));
        md.append("""

                Columns: *published* = events the trigger accepted (2xx); *delivered* = (client, event) receipts;
                *lost* = accepted events a subscribed client never received; *dup* = receipts of an event already
                received; *ooo* = receipts with a lower sequence number than one the client already had (each
                channel's events are published in order, one request in flight per channel); latency = from the
                moment the event was due by the rate to its arrival at the client (so a trigger that falls behind
                shows as latency); *server µs/delivery* = CPU time (utime+stime from /proc) of every server process
                during the step / deliveries; Redis separately; *gen CPU* = the generator's own CPU, in % of one core.
                """);
        return md.toString();
    }

    private static String describe(String scenario) {
        return switch (scenario) {
            case "broadcast" -> "every client on one channel, stepping the rate";
            case "sse" -> "broadcast's clients and rates, Switchboard's clients on Server-Sent Events";
            case "wide" -> "many clients on one channel, low rate";
            case "rooms" -> "each client on its own channel, events to random channels";
            case "connections" -> "idle clients, each subscribed to its own channel";
            case "hop" -> "clients on node 2; events published through node 1 (remote) or node 2 (local)";
            default -> scenario;
        };
    }

    /** Switchboard's server CPU per delivery over SSE beside the WebSocket's, at each rate both measured. */
    private static void sseBesideWebSocket(StringBuilder md, List<Result> rows) {
        List<Result> sse = rows.stream().filter(r -> r.system.equals(SB) && r.scenario.equals("sse")).toList();
        StringBuilder table = new StringBuilder("| rate ev/s | WebSocket server µs/delivery | SSE server µs/delivery | SSE / WebSocket |\n")
                .append("|---:|---:|---:|---:|\n");
        boolean any = false;
        for (Result r : sse) {
            Double ws = at(rows, SB, "broadcast", r.rate).map(b -> b.serverCpuPerDelivery).orElse(null);
            if (ws == null || r.serverCpuPerDelivery == null) {
                continue;
            }
            any = true;
            table.append(row(f(r.rate, 0), f(ws, 1), f(r.serverCpuPerDelivery, 1),
                    ws > 0 ? f(r.serverCpuPerDelivery / ws, 2) : ""));
        }
        if (any) {
            md.append("Server CPU per delivery, SSE beside the WebSocket (Switchboard, same clients and rate):\n\n")
                    .append(table).append('\n');
        }
    }

    /** Per step: each system's server CPU per delivery beside the floor's at the same rate, and the ratio. */
    private static void againstTheFloor(StringBuilder md, List<Result> rows, String scenario) {
        List<Result> floor = rows.stream().filter(r -> r.system.equals(Targets.FLOOR) && r.serverCpuPerDelivery != null).toList();
        if (floor.isEmpty()) {
            return;
        }
        String unit = Targets.unit(scenario);
        md.append("Server CPU per ").append(unit).append(" against the floor (a minimal Netty writer: one pre-encoded frame, "
                + "one write and flush per socket) at the same rate:\n\n");
        md.append("| rate ev/s | floor µs/").append(unit).append(" | Switchboard µs | Switchboard / floor | Socket.IO µs | Socket.IO / floor |\n");
        md.append("|---:|---:|---:|---:|---:|---:|\n");
        for (Result base : floor) {
            double at = base.serverCpuPerDelivery;
            Double sb = at(rows, SB, scenario, base.rate).map(r -> r.serverCpuPerDelivery).orElse(null);
            Double sio = at(rows, SIO, scenario, base.rate).map(r -> r.serverCpuPerDelivery).orElse(null);
            md.append(row(f(base.rate, 0), f(at, 1), f(sb, 1), sb == null || at <= 0 ? "" : f(sb / at, 2) + "×",
                    f(sio, 1), sio == null || at <= 0 ? "" : f(sio / at, 2) + "×"));
        }
        md.append('\n');
    }

    /**
     * What the shared Redis did per published event: its CPU against its own counters, so that the time in commands
     * (scripts) can be told from the cost of being woken up (one socket read per wake-up).
     */
    private static void redisWork(StringBuilder md, List<Result> rows) {
        List<Result> counted = rows.stream().filter(r -> r.redisReadsPerEvent != null && r.published != null
                && r.published > 0).toList();
        if (counted.isEmpty()) {
            return;
        }
        md.append("The shared Redis per published event (its CPU from `/proc`; socket reads, about one per wake-up, "
                + "commands, scripts' included, and time in script calls from its `INFO`):\n\n");
        md.append("| system | rate ev/s | Redis CPU µs/event | reads/event | commands/event | script µs/event |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Result r : counted) {
            md.append(row(r.system, f(r.rate, 0), f(r.redisCpuMicros / r.published, 1), f(r.redisReadsPerEvent, 2),
                    f(r.redisCommandsPerEvent, 2), f(r.redisScriptMicrosPerEvent, 1)));
        }
        md.append('\n');
    }

    /**
     * Per step, of each JVM system's server CPU: what its JIT compiler threads and its collector threads took, and the
     * rest (serving). A step's figure includes the JIT still compiling code that became hot late.
     */
    private static void jvmThreads(StringBuilder md, List<Result> rows, String scenario) {
        List<Result> jvm = rows.stream().filter(r -> r.serverJitMicros != null && r.delivered != null
                && r.delivered > 0 && r.serverCpuMicros != null).toList();
        if (jvm.isEmpty()) {
            return;
        }
        String unit = Targets.unit(scenario);
        md.append("Server CPU per ").append(unit).append(" by JVM thread (from `/proc` per thread: HotSpot's JIT compiler "
                + "threads, the garbage collector's threads, the rest):\n\n");
        md.append("| system | rate ev/s | server µs/").append(unit).append(" | JIT µs | GC µs | rest µs | JIT share |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : jvm) {
            double per = r.delivered;
            double rest = r.serverCpuMicros - r.serverJitMicros - r.serverGcMicros;
            md.append(row(r.system, f(r.rate, 0), f(r.serverCpuMicros / per, 1), f(r.serverJitMicros / per, 2),
                    f(r.serverGcMicros / per, 2), f(rest / per, 1),
                    r.serverCpuMicros <= 0 ? "" : f(100 * r.serverJitMicros / r.serverCpuMicros, 0) + "%"));
        }
        md.append('\n');
    }

    private static void deliveryTable(StringBuilder md, List<Result> rows) {
        md.append("| system | clients | rate ev/s | published | delivered | lost | dup | ooo | delivered/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server µs/delivery | Redis µs/delivery | gen CPU | held |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|\n");
        for (Result r : rows) {
            String genCpu = r.generatorCpuMicros == null || r.seconds == null ? "" :
                    f(r.generatorCpuMicros / (r.seconds * 1e6) * 100, 0) + "%";
            md.append(row(r.system, n(r.clients), f(r.rate, 0), n(r.published), n(r.delivered), n(r.lost),
                    n(r.duplicates), n(r.outOfOrder), f(r.deliveredPerSecond, 0), f(r.p50, 1), f(r.p90, 1), f(r.p99, 1),
                    f(r.p999, 1), f(r.max, 1), f(r.serverCpuPerDelivery, 1), f(r.redisCpuPerDelivery, 1), genCpu,
                    r.held(100) ? "yes" : "**no**"));
        }
        md.append('\n');
    }

    private static Optional<Result> at(List<Result> rows, String system, String scenario, double rate) {
        return Targets.at(rows, system, scenario, rate);
    }

    static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    static String f(Double value, int digits) {
        if (value == null || !Double.isFinite(value)) {
            return "";
        }
        return String.format(Locale.ROOT, "%,." + digits + "f", value);
    }

    static String n(Number value) {
        return value == null ? "" : String.format(Locale.ROOT, "%,d", value.longValue());
    }

    // ---- HTML ------------------------------------------------------------------------------------------

    private String html(List<Result> results) {
        StringBuilder html = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>Switchboard benchmark</title>
                <style>body{font-family:sans-serif;margin:24px;color:#222}h2{margin-top:32px}
                .row{display:flex;flex-wrap:wrap;gap:16px}.meta{color:#555;font-size:13px}</style></head><body>
                <h1>Switchboard vs Socket.IO + Redis adapter</h1>
                """);
        html.append("<div class='meta'>");
        header.forEach(line -> html.append(Chart.escape(line.replace("`", ""))).append("<br>"));
        html.append("</div>");
        for (int nodes : options.nodes()) {
            for (String scenario : List.of("broadcast", "rooms")) {
                List<Result> rows = results.stream().filter(r -> r.nodes == nodes && r.scenario.equals(scenario)).toList();
                if (rows.isEmpty()) {
                    continue;
                }
                int clients = rows.get(0).clients;
                html.append("<h2>").append(scenario).append(": ").append(clients).append(" clients, ").append(nodes)
                        .append(" nodes (").append(describe(scenario)).append(")</h2><div class='row'>");
                html.append(Chart.svg("p99 latency vs rate", "published events/s", "p99 latency (ms)",
                        series(rows, r -> r.p99), true, true, options.stopP99Millis()));
                html.append(Chart.svg("throughput vs rate", "published events/s", "deliveries/s",
                        series(rows, r -> r.deliveredPerSecond), true, false, null));
                html.append(Chart.svg("server CPU per delivery vs rate", "published events/s", "server CPU µs per delivery",
                        series(rows, r -> r.serverCpuPerDelivery), true, true, null));
                html.append("</div>");
            }
        }
        html.append("<p class='meta'>Points: one rate step each (").append(options.duration())
                .append(" s of publishing). Stepping stops after the first step whose p99 passes ")
                .append(f(options.stopP99Millis(), 0)).append(" ms or that loses an event. Full tables in results.md.</p>");
        return html.append("</body></html>\n").toString();
    }

    private static Map<String, List<double[]>> series(List<Result> rows, Function<Result, Double> y) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String system : List.of(SB, SIO, Targets.FLOOR)) {
            List<double[]> points = rows.stream().filter(r -> r.system.equals(system) && r.rate != null && y.apply(r) != null)
                    .map(r -> new double[] {r.rate, y.apply(r)}).collect(Collectors.toList());
            if (!points.isEmpty()) {
                series.put(system, points);
            }
        }
        return series;
    }
}
