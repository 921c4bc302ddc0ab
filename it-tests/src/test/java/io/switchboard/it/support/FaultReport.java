package io.switchboard.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The fault report: one row per fault scenario (what was published, acknowledged and delivered, with losses,
 * duplicates, events out of order and the time to recover) and one row per kind of hostile input. Each
 * recorded row rewrites {@code target/fault-report.md} (system property {@code switchboard.faultReport}
 * overrides the path), so the file holds every scenario run by this JVM; {@link #print()} writes it to
 * standard output.
 */
public final class FaultReport {

    /**
     * One fault scenario. {@code key} orders the rows, e.g. {@code "a1"}; {@code timeToRecover} as it should
     * read in the table, see {@link #recovery(Optional)}; {@code offsetsReused} offsets handed out for two
     * different events (-1: not counted by this scenario).
     */
    public record Scenario(String key, String name, long published, long acknowledged, DeliveryTally tally,
                           long offsetsReused, String timeToRecover, Duration testTime) {

        /** A scenario that does not count reused offsets. */
        public Scenario(String key, String name, long published, long acknowledged, DeliveryTally tally,
                        String timeToRecover, Duration testTime) {
            this(key, name, published, acknowledged, tally, -1, timeToRecover, testTime);
        }
    }

    /** One kind of hostile input: how many were sent, the documented answer, how many got it. */
    public record HostileInput(String key, String input, long sent, String expected, long answeredAsExpected) {
    }

    /**
     * One resource-exhaustion scenario: the attack (how many hostile requests, how many got an expected answer),
     * what it cost the worker and Redis, and what the well-behaved client received meanwhile.
     *
     * @param workerRestarts  workers that exited or stopped answering health during the scenario and had to be replaced
     * @param unhealthyAnswers health checks sampled during the scenario that did not answer 200
     * @param peakHeap        highest heap in use sampled on the worker, bytes
     * @param peakHeapAfterGc highest heap still in use after a collection, bytes
     * @param peakDirect      highest direct buffer memory, bytes
     * @param redisKeysAdded  {@code DBSIZE} after minus before
     * @param redisMemoryAdded {@code used_memory} after minus before, bytes (may be negative)
     * @param logLines        lines the worker wrote to its log during the scenario
     */
    public record Exhaustion(String key, String name, long sent, long answeredAsExpected, int workerRestarts,
                             long unhealthyAnswers, long peakHeap, long peakHeapAfterGc, long peakDirect, long redisKeysAdded,
                             long redisMemoryAdded, long logLines, DeliveryTally tally, Duration testTime) {
    }

    private static final Map<String, Scenario> SCENARIOS = new TreeMap<>();
    private static final Map<String, Exhaustion> EXHAUSTION = new TreeMap<>();
    private static final Map<String, HostileInput> HOSTILE = new TreeMap<>();
    private static final Map<String, String> NOTES = new TreeMap<>();

    private FaultReport() {
    }

    public static synchronized void record(Scenario scenario) {
        SCENARIOS.put(scenario.key(), scenario);
        write();
    }

    public static synchronized void record(HostileInput input) {
        HOSTILE.put(input.key(), input);
        write();
    }

    public static synchronized void record(Exhaustion exhaustion) {
        EXHAUSTION.put(exhaustion.key(), exhaustion);
        write();
    }

    /** A line under the tables, e.g. the node's heap before and after; {@code key} orders and replaces. */
    public static synchronized void note(String key, String text) {
        NOTES.put(key, text);
        write();
    }

    /** A time to recover for the table: seconds, or "not recovered" when it did not within the test's deadline. */
    public static String recovery(Optional<Duration> timeToRecover) {
        return timeToRecover.map(FaultReport::seconds).orElse("not recovered");
    }

    /** Prints the report as it stands. */
    public static synchronized void print() {
        System.out.println();
        System.out.println(markdown());
    }

    public static Path path() {
        return Paths.get(System.getProperty("switchboard.faultReport", "target/fault-report.md")).toAbsolutePath();
    }

    static synchronized String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Fault report\n\n");
        md.append("Produced by `mvn verify` (integration tests `io.switchboard.it.faults.*` in `it-tests`), ")
                .append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME.withLocale(Locale.ROOT)))
                .append(". Real `redis-server` and worker JVMs on 127.0.0.1; every event carries a number `n`, ")
                .append("and an event is *acknowledged* when its publish was answered `202` with an offset.\n\n");
        if (!SCENARIOS.isEmpty()) {
            md.append("| scenario | published | acknowledged | expected deliveries | delivered | lost and told | LOST SILENTLY "
                    + "| duplicated | out of order | offsets reused | time to recover | test time |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Scenario s : SCENARIOS.values()) {
                md.append("| ").append(s.name())
                        .append(" | ").append(s.published())
                        .append(" | ").append(s.acknowledged())
                        .append(" | ").append(s.tally().expected())
                        .append(" | ").append(s.tally().delivered())
                        .append(" | ").append(s.tally().lostAndTold())
                        .append(" | ").append(s.tally().lostSilently())
                        .append(" | ").append(s.tally().duplicated())
                        .append(" | ").append(s.tally().outOfOrder())
                        .append(" | ").append(s.offsetsReused() < 0 ? "n/a" : Long.toString(s.offsetsReused()))
                        .append(" | ").append(s.timeToRecover())
                        .append(" | ").append(seconds(s.testTime()))
                        .append(" |\n");
            }
            md.append("\n*published*: events (each with its own `n` and idempotency key, retried until acknowledged); ")
                    .append("*expected deliveries*: acknowledged events times the subscribers owed them (a subscriber ")
                    .append("is owed every event whose first publish was sent after its first `subscribed`); *lost and ")
                    .append("told*: owed, never received, and the subscriber got `recovered: false` where the event ")
                    .append("would have been in its stream; *LOST SILENTLY*: owed, never received, not told; ")
                    .append("*duplicated*: the same event (same `n`) received twice by one subscriber, counted on raw ")
                    .append("frames across reconnects; *out of order*: received after a later event of the channel ")
                    .append("(a newer epoch is later); *offsets reused*: offsets acknowledged or delivered for two ")
                    .append("different events. *time to recover*: from the end of the fault (Redis ")
                    .append("answering again, the SIGKILL, the client coming back) until every affected client was ")
                    .append("served again (see each scenario's test); reported, not asserted.\n\n");
        }
        if (!HOSTILE.isEmpty()) {
            md.append("| hostile input | sent | documented answer | answered so |\n");
            md.append("|---|---:|---|---:|\n");
            for (HostileInput h : HOSTILE.values()) {
                md.append("| ").append(h.input()).append(" | ").append(h.sent()).append(" | ").append(h.expected())
                        .append(" | ").append(h.answeredAsExpected()).append(" |\n");
            }
            md.append('\n');
        }
        if (!EXHAUSTION.isEmpty()) {
            md.append("| resource attack | sent | answered as expected | worker restarts | health not 200 | peak heap (after GC) | peak direct | ")
                    .append("Redis keys added | Redis memory added | log lines | client lost / duplicated / out of order | test time |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Exhaustion e : EXHAUSTION.values()) {
                md.append("| ").append(e.name())
                        .append(" | ").append(e.sent())
                        .append(" | ").append(e.answeredAsExpected() < 0 ? "not read" : Long.toString(e.answeredAsExpected()))
                        .append(" | ").append(e.workerRestarts())
                        .append(" | ").append(e.unhealthyAnswers())
                        .append(" | ").append(mebibytes(e.peakHeap())).append(" (").append(mebibytes(e.peakHeapAfterGc())).append(')')
                        .append(" | ").append(mebibytes(e.peakDirect()))
                        .append(" | ").append(e.redisKeysAdded())
                        .append(" | ").append(mebibytes(e.redisMemoryAdded()))
                        .append(" | ").append(e.logLines())
                        .append(" | ").append(e.tally().lost()).append(" / ").append(e.tally().duplicated())
                        .append(" / ").append(e.tally().outOfOrder())
                        .append(" | ").append(seconds(e.testTime()))
                        .append(" |\n");
            }
            md.append("\n*sent*: hostile requests (frames, connections or HTTP calls) of the attack; *answered as ")
                    .append("expected*: those that got their documented answer (for an attack whose point is not to ")
                    .append("read, *not read*); *health not 200*: health checks every 0.5 s during the scenario that ")
                    .append("answered otherwise or not at all; *peak heap*: highest heap in use ")
                    .append("sampled on the worker (-Xmx256m) during the scenario, in brackets the highest still in ")
                    .append("use after a collection; *peak direct*: direct buffer memory; *Redis keys / memory added*: ")
                    .append("`DBSIZE` and `used_memory` after the scenario minus before; *log lines*: written by the ")
                    .append("worker during the scenario; the last column is the well-behaved client's counts for the ")
                    .append("stream it received throughout.\n\n");
        }
        NOTES.values().forEach(note -> md.append("- ").append(note).append('\n'));
        return md.toString();
    }

    private static String mebibytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private static void write() {
        Path path = path();
        try {
            Files.createDirectories(path.getParent());
            Files.writeString(path, markdown(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
