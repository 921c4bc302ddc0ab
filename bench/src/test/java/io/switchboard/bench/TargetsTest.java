package io.switchboard.bench;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TargetsTest {

    private static Result step(String system, String scenario, double rate, double cpu, double p99) {
        Result r = new Result();
        r.system = system;
        r.scenario = scenario;
        r.nodes = 2;
        r.clients = scenario.equals("rooms") ? 4000 : 1000;
        r.rate = rate;
        r.delivered = 1000L;
        r.lost = 0L;
        r.duplicates = 0L;
        r.outOfOrder = 0L;
        r.p99 = p99;
        r.serverCpuPerDelivery = cpu;
        r.redisCpuPerDelivery = cpu / 10;
        return r;
    }

    private static String table(List<Result> rows) {
        StringBuilder md = new StringBuilder();
        Targets.write(md, rows, 100);
        return md.toString();
    }

    private static String line(String table, String start) {
        return table.lines().filter(l -> l.startsWith("| " + start)).findFirst().orElseThrow();
    }

    @Test
    void comparesCostsAtTheTargetRatesAndGivesTheRatioOfAMiss() {
        List<Result> rows = new ArrayList<>(List.of(
                step("switchboard", "broadcast", 20, 9, 10), step("switchboard", "broadcast", 100, 4, 20),
                step("socketio", "broadcast", 20, 10, 10), step("socketio", "broadcast", 100, 10, 20)));

        String table = table(rows);

        assertThat(line(table, "broadcast, 1,000 clients: server CPU per delivery ≤ 0.50×")).endsWith("| met (0.40×) |");
        assertThat(line(table, "broadcast, 1,000 clients: server CPU per delivery ≤ 0.80×"))
                .endsWith("| **missed** (0.90×, limit 0.80×) |");
    }

    @Test
    void highestRateHeldCountsOnlyStepsWithinTheP99Limit() {
        List<Result> rows = List.of(
                step("switchboard", "broadcast", 100, 5, 20), step("switchboard", "broadcast", 200, 5, 50),
                step("switchboard", "broadcast", 300, 5, 150),
                step("socketio", "broadcast", 100, 8, 30), step("socketio", "broadcast", 150, 8, 120));

        assertThat(line(table(rows), "broadcast, 1,000 clients: highest rate held")).endsWith("| met (2.00×) |");
    }

    @Test
    void aStepTheRunDidNotReachIsNotMeasuredAndTheFloorIsAReference() {
        List<Result> rows = List.of(
                step("switchboard", "rooms", 2000, 300, 20), step("socketio", "rooms", 2000, 200, 20),
                step("floor", "rooms", 2000, 100, 5));

        String table = table(rows);

        assertThat(line(table, "rooms, 4,000 clients: server CPU per event ≤ 0.80× the baseline's at 4,000"))
                .endsWith("| not measured |");
        assertThat(line(table, "rooms, 4,000 clients: Redis CPU per event ≤ 1.25× the baseline's at 2,000"))
                .contains("**missed** (1.50×");
        assertThat(line(table, "for reference: rooms server CPU per event at 2,000")).contains("| 3.00× (300.0 µs) | 2.00× (200.0 µs) |");
    }

    private static Result idle(String system, double rssCold, double heapCold, Double rssWarm, Double heapWarm) {
        Result r = new Result();
        r.system = system;
        r.scenario = "connections";
        r.nodes = 2;
        r.clients = 10_000;
        r.connectPerSecond = 1000.0;
        r.warmConnectPerSecond = 1000.0;
        r.rssPerConnectionKb = rssCold;
        r.heapPerConnectionKb = heapCold;
        r.marginalRssPerConnectionKb = rssWarm;
        r.marginalHeapPerConnectionKb = heapWarm;
        return r;
    }

    @Test
    void memoryIsJudgedOnTheColdBurstWithWhatOneMoreConnectionCostsAWarmServerBesideIt() {
        String row = line(table(List.of(idle("switchboard", 28.0, 17.5, 11.0, 14.5), idle("socketio", 14.0, 10.0, 11.2, 10.6))),
                "connections, 10,000 idle clients: RSS per idle connection");

        assertThat(row).contains("| 28.0 KiB (heap 17.5 KiB); warm, one more: 11.0 KiB (heap 14.5 KiB) |")
                .contains("| 14.0 KiB (heap 10.0 KiB); warm, one more: 11.2 KiB (heap 10.6 KiB) |")
                .endsWith("| **missed** (2.00×, limit 1.25×) |");
    }

    @Test
    void memoryOfARunWithoutTheWarmReadingShowsTheColdFigureAlone() {
        String row = line(table(List.of(idle("switchboard", 14.0, 10.0, null, null), idle("socketio", 14.0, 10.0, null, null))),
                "connections, 10,000 idle clients: RSS per idle connection");

        assertThat(row).contains("| 14.0 KiB (heap 10.0 KiB) |").doesNotContain("warm").endsWith("| met (1.00×) |");
    }
}
