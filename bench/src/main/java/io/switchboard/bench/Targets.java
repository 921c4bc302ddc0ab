package io.switchboard.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import static io.switchboard.bench.Report.f;
import static io.switchboard.bench.Report.n;

/**
 * The "Against the targets" table: each target with Switchboard's and the baseline's figure from this run and a
 * verdict (met, or missed with the ratio). A figure a run did not measure (a scenario left out, stepping that
 * stopped before the rate) says so instead of a verdict.
 */
final class Targets {
    static final String SB = "switchboard";
    static final String SIO = "socketio";
    static final String FLOOR = "floor";

    private final List<Result> rows;
    private final double limit;
    private final List<String[]> lines = new ArrayList<>();

    private Targets(List<Result> rows, double limit) {
        this.rows = rows;
        this.limit = limit;
    }

    /** Appends the table for one node count's rows (nothing if none of its scenarios ran). */
    static void write(StringBuilder md, List<Result> rows, double p99Limit) {
        Targets targets = new Targets(rows, p99Limit);
        targets.collect();
        if (targets.lines.isEmpty()) {
            return;
        }
        md.append("### Against the targets\n\n| target | Switchboard | Socket.IO baseline | verdict |\n|---|---|---|---|\n");
        targets.lines.forEach(line -> md.append(Report.row(line)));
        md.append('\n');
    }

    private void collect() {
        int broadcastClients = clients("broadcast");
        if (broadcastClients > 0) {
            String what = "broadcast, " + n(broadcastClients) + " clients: server CPU per delivery";
            cpu("broadcast", 100.0, 0.5, what, r -> r.serverCpuPerDelivery);
            cpu("broadcast", 20.0, 0.8, what, r -> r.serverCpuPerDelivery);
            highestHeld(broadcastClients);
        }
        int roomClients = clients("rooms");
        if (roomClients > 0) {
            for (double rate : List.of(2000.0, 4000.0, 8000.0)) {
                cpu("rooms", rate, 0.8, "rooms, " + n(roomClients) + " clients: server CPU per event", r -> r.serverCpuPerDelivery);
            }
            for (double rate : List.of(2000.0, 4000.0, 8000.0)) {
                cpu("rooms", rate, 1.25, "rooms, " + n(roomClients) + " clients: Redis CPU per event", r -> r.redisCpuPerDelivery);
            }
        }
        connections();
        nothingLost();
        hop();
        floorRatios();
    }

    private int clients(String scenario) {
        return rows.stream().filter(r -> r.scenario.equals(scenario)).mapToInt(r -> r.clients).findFirst().orElse(0);
    }

    /** A cost at one rate: Switchboard's ≤ {@code factor} × the baseline's. */
    private void cpu(String scenario, double rate, double factor, String what, Function<Result, Double> figure) {
        Optional<Result> sb = at(rows, SB, scenario, rate);
        Optional<Result> sio = at(rows, SIO, scenario, rate);
        if (sb.isEmpty() && sio.isEmpty() && rows.stream().noneMatch(r -> r.scenario.equals(scenario) && r.system.equals(SB))) {
            return;
        }
        Double ours = sb.map(figure).orElse(null);
        Double theirs = sio.map(figure).orElse(null);
        lines.add(new String[] {what + " ≤ " + f(factor, 2) + "× the baseline's at " + f(rate, 0) + " ev/s",
                cost(sb, ours), cost(sio, theirs), atMost(ours, theirs, factor)});
    }

    private String cost(Optional<Result> row, Double value) {
        if (row.isEmpty()) {
            return "not measured";
        }
        return value == null ? "" : f(value, 1) + " µs" + (row.get().held(limit) ? "" : " (step not held)");
    }

    private void highestHeld(int clients) {
        Double sbMax = highestHeld(rows, SB, "broadcast", limit);
        Double sioMax = highestHeld(rows, SIO, "broadcast", limit);
        boolean sbTop = steppedToEnd(SB, "broadcast");
        boolean sioTop = steppedToEnd(SIO, "broadcast");
        String verdict;
        if (sbMax == null) {
            verdict = "**missed** (none held)";
        } else if (sioMax == null) {
            verdict = rows.stream().anyMatch(r -> r.scenario.equals("broadcast") && r.system.equals(SIO))
                    ? "met (the baseline held no step)" : "not measured";
        } else {
            double ratio = sbMax / sioMax;
            if (ratio >= 2) {
                verdict = "met (" + f(ratio, 2) + "×)";
            } else if (sbTop) {
                verdict = "≥ " + f(ratio, 2) + "×: Switchboard held the highest step; raise --rates";
            } else {
                verdict = "**missed** (" + f(ratio, 2) + "×, limit 2×)";
            }
        }
        lines.add(new String[] {"broadcast, " + n(clients) + " clients: highest rate held (p99 < " + f(limit, 0)
                + " ms, nothing lost) ≥ 2× the baseline's", rateText(sbMax, sbTop, clients), rateText(sioMax, sioTop, clients), verdict});
    }

    private void connections() {
        Result sb = first(SB, "connections");
        Result sio = first(SIO, "connections");
        if (sb == null && sio == null) {
            return;
        }
        String what = "connections, " + n((sb != null ? sb : sio).clients) + " idle clients: ";
        lines.add(new String[] {what + "connect rate, cold (first burst after start) ≥ the baseline's",
                perSecond(sb == null ? null : sb.connectPerSecond), perSecond(sio == null ? null : sio.connectPerSecond),
                atLeast(sb == null ? null : sb.connectPerSecond, sio == null ? null : sio.connectPerSecond, 1.0)});
        lines.add(new String[] {what + "connect rate, warm (all closed, connected again) ≥ the baseline's",
                perSecond(sb == null ? null : sb.warmConnectPerSecond), perSecond(sio == null ? null : sio.warmConnectPerSecond),
                atLeast(sb == null ? null : sb.warmConnectPerSecond, sio == null ? null : sio.warmConnectPerSecond, 1.0)});
        Double sbRss = sb == null ? null : sb.rssPerConnectionKb;
        Double sioRss = sio == null ? null : sio.rssPerConnectionKb;
        // The verdict is on the cold burst's figure (from the servers' start); what one more idle connection costs
        // a warm server is shown beside it, for both, so that one-time costs can be told apart.
        lines.add(new String[] {what + "RSS per idle connection ≤ 1.25× the baseline's",
                memory(sb), memory(sio), atMost(sbRss, sioRss, 1.25)});
    }

    /** What a scenario's CPU figure is per: a delivery, or in {@code rooms} (one recipient each) an event. */
    static String unit(String scenario) {
        return scenario.equals("rooms") ? "event" : "delivery";
    }

    private static String memory(Result r) {
        if (r == null || r.rssPerConnectionKb == null) {
            return "";
        }
        String cold = f(r.rssPerConnectionKb, 1) + " KiB (heap " + f(r.heapPerConnectionKb, 1) + " KiB)";
        if (r.marginalRssPerConnectionKb == null) {
            return cold;
        }
        return cold + "; warm, one more: " + f(r.marginalRssPerConnectionKb, 1) + " KiB (heap "
                + f(r.marginalHeapPerConnectionKb, 1) + " KiB)";
    }

    /**
     * Every step of every delivery scenario: lost, duplicated, out of order (events the trigger did not accept are
     * the publisher's, and show in the step's table).
     */
    private void nothingLost() {
        List<Result> sb = delivering(SB);
        if (sb.isEmpty()) {
            return;
        }
        long bad = sb.stream().mapToLong(Targets::faults).sum();
        lines.add(new String[] {"nothing lost, duplicated or out of order in any step (Switchboard)",
                faultText(sb), faultText(delivering(SIO)),
                bad == 0 ? "met" : "**missed** (" + sb.stream().filter(r -> faults(r) > 0).count() + " step(s))"});
    }

    private List<Result> delivering(String system) {
        return rows.stream().filter(r -> r.system.equals(system) && r.delivered != null).toList();
    }

    private static long faults(Result r) {
        return zero(r.lost) + zero(r.duplicates) + zero(r.outOfOrder);
    }

    private static long zero(Long value) {
        return value == null ? 0 : value;
    }

    private static String faultText(List<Result> steps) {
        if (steps.isEmpty()) {
            return "";
        }
        long lost = steps.stream().mapToLong(r -> zero(r.lost)).sum();
        long dup = steps.stream().mapToLong(r -> zero(r.duplicates)).sum();
        long ooo = steps.stream().mapToLong(r -> zero(r.outOfOrder)).sum();
        return n(lost) + " lost, " + n(dup) + " dup, " + n(ooo) + " ooo in " + steps.size() + " steps";
    }

    private void hop() {
        Result sb = first(SB, "hop");
        Result sio = first(SIO, "hop");
        if (sb == null && sio == null) {
            return;
        }
        lines.add(new String[] {"cross-node hop: < 1 ms added at p50",
                sb == null ? "" : f(sb.addedP50, 2) + " ms", sio == null ? "" : f(sio.addedP50, 2) + " ms",
                sb == null || sb.addedP50 == null ? "not measured"
                        : sb.addedP50 < 1 ? "met" : "**missed** (by " + f(sb.addedP50 - 1, 2) + " ms)"});
    }

    /** For reference: each system's server CPU per delivery as a multiple of the floor's at the same rate. */
    private void floorRatios() {
        for (String scenario : List.of("broadcast", "rooms")) {
            List<Double> rates = scenario.equals("broadcast") ? List.of(20.0, 100.0) : List.of(2000.0, 4000.0, 8000.0);
            for (double rate : rates) {
                Optional<Result> floor = at(rows, FLOOR, scenario, rate);
                if (floor.isEmpty() || floor.get().serverCpuPerDelivery == null) {
                    continue;
                }
                double base = floor.get().serverCpuPerDelivery;
                lines.add(new String[] {"for reference: " + scenario + " server CPU per " + unit(scenario)
                        + " at " + f(rate, 0) + " ev/s, as a multiple of the floor's (" + f(base, 1) + " µs)",
                        overFloor(SB, scenario, rate, base), overFloor(SIO, scenario, rate, base), ""});
            }
        }
    }

    private String overFloor(String system, String scenario, double rate, double floor) {
        return at(rows, system, scenario, rate).map(r -> r.serverCpuPerDelivery)
                .map(v -> floor > 0 ? f(v / floor, 2) + "× (" + f(v, 1) + " µs)" : f(v, 1) + " µs").orElse("");
    }

    // ---- verdicts and lookups -----------------------------------------------------------------------

    private static String atMost(Double ours, Double theirs, double factor) {
        if (ours == null || theirs == null || theirs <= 0) {
            return "not measured";
        }
        double ratio = ours / theirs;
        return ratio <= factor ? "met (" + f(ratio, 2) + "×)" : "**missed** (" + f(ratio, 2) + "×, limit " + f(factor, 2) + "×)";
    }

    private static String atLeast(Double ours, Double theirs, double factor) {
        if (ours == null || theirs == null || theirs <= 0) {
            return "not measured";
        }
        double ratio = ours / theirs;
        return ratio >= factor ? "met (" + f(ratio, 2) + "×)" : "**missed** (" + f(ratio, 2) + "×, at least " + f(factor, 2) + "×)";
    }

    private static String perSecond(Double value) {
        return value == null ? "" : f(value, 0) + "/s";
    }

    private static String rateText(Double rate, boolean top, int clients) {
        if (rate == null) {
            return "none held";
        }
        String text = f(rate, 0) + " ev/s (" + f(rate * clients, 0) + " deliveries/s)";
        return top ? "≥ " + text : text;
    }

    static Optional<Result> at(List<Result> rows, String system, String scenario, double rate) {
        return rows.stream().filter(r -> r.scenario.equals(scenario) && r.system.equals(system)
                && Objects.equals(r.rate, rate)).findFirst();
    }

    private static Double highestHeld(List<Result> rows, String system, String scenario, double limit) {
        return rows.stream().filter(r -> r.scenario.equals(scenario) && r.system.equals(system) && r.held(limit))
                .map(r -> r.rate).max(Double::compare).orElse(null);
    }

    /** Whether every step of the system held (so its real limit lies above the steps tried). */
    private boolean steppedToEnd(String system, String scenario) {
        List<Result> mine = rows.stream().filter(r -> r.scenario.equals(scenario) && r.system.equals(system)).toList();
        return !mine.isEmpty() && mine.stream().allMatch(r -> r.held(limit));
    }

    private Result first(String system, String scenario) {
        return rows.stream().filter(r -> r.scenario.equals(scenario) && r.system.equals(system)).findFirst().orElse(null);
    }
}
