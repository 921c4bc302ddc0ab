package io.switchboard.internal.core;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.internal.metrics.MeterNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.TransportKind;

import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's counters and timings since start, as the node's figures ({@link #snapshot}, for
 * {@code /api/stats} and the cluster view) and as Micrometer meters (see {@link MeterNames}).
 *
 * <p>Thread-safe, and written on hot paths (every delivery, every publish): counts are
 * {@link LongAdder}s, read by the registry only when it is scraped ({@link FunctionCounter}), so a
 * count costs the same whatever the registries. Meters whose tag values appear only in use (close
 * codes, error codes) are registered at their first count; every tag value is from a closed set
 * (see {@link MeterNames}).
 */
public final class NodeStats {
    /** Buckets of the latency histograms: sub-millisecond hops up to seconds-long outages. */
    private static final Duration[] LATENCY_BUCKETS = durations(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000);
    private static final Duration[] ROUND_TRIP_BUCKETS = durations(0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 1000);
    private static final double[] REPLAY_EVENT_BUCKETS = {1, 10, 100, 1_000, 10_000};
    private static final double[] REPLAY_BYTE_BUCKETS = {1 << 10, 16 << 10, 256 << 10, 1 << 20, 16 << 20};

    /** Where the node's meters go (those registered at their first count too). */
    private final MeterRegistry registry;
    private final Map<Publisher.Door, LongAdder> publishedByDoor = new EnumMap<>(Publisher.Door.class);
    private final Map<Publisher.Door, LongAdder> failedByDoor = new EnumMap<>(Publisher.Door.class);
    private final Map<Publisher.Door, Timer> publishLatency = new EnumMap<>(Publisher.Door.class);
    private final Map<TransportKind, LongAdder> openedByTransport = new EnumMap<>(TransportKind.class);
    private final LongAdder delivered = new LongAdder();
    private final Timer deliveryLag;
    private final LongAdder slowConsumersClosed = new LongAdder();
    private final LongAdder gapRepairs = new LongAdder();
    private final LongAdder lostOnBus = new LongAdder();
    private final LongAdder busPingFailures = new LongAdder();
    private final Timer busRoundTrip;
    private final DistributionSummary replayEvents;
    private final DistributionSummary replayBytes;
    /** Counters of tag values seen so far, by meter name and tags (see {@link #count}). */
    private final Map<String, LongAdder> tagged = new ConcurrentHashMap<>();
    private final long startedAt = System.currentTimeMillis();
    private volatile long lastBusRoundTripNanos = -1;

    /** Counts kept only for the node's figures (tests): registered nowhere else. */
    public NodeStats() {
        this(new SimpleMeterRegistry());
    }

    /** Registers a node's meters in {@code registry} (publishes by every door but the standalone publisher's). */
    public NodeStats(MeterRegistry registry) {
        this(registry, registry, EnumSet.complementOf(EnumSet.of(Publisher.Door.STANDALONE)));
    }

    /**
     * The counts of a standalone publisher: only its publish meters ({@code door="standalone"}) are
     * registered in {@code registry}; a publisher delivers nothing and holds no connection.
     */
    public static NodeStats ofStandalonePublisher(MeterRegistry registry) {
        return new NodeStats(registry, new SimpleMeterRegistry(), EnumSet.of(Publisher.Door.STANDALONE));
    }

    /**
     * @param publishRegistry where the publish meters of {@code doors} go
     * @param nodeRegistry    where the other meters go
     * @param doors           the doors whose publish meters are registered (the others count unregistered)
     */
    private NodeStats(MeterRegistry publishRegistry, MeterRegistry nodeRegistry, Set<Publisher.Door> doors) {
        this.registry = nodeRegistry;
        MeterRegistry unregistered = new SimpleMeterRegistry();
        for (Publisher.Door door : Publisher.Door.values()) {
            String tag = door.name().toLowerCase(Locale.ROOT);
            MeterRegistry doorRegistry = doors.contains(door) ? publishRegistry : unregistered;
            publishedByDoor.put(door, counter(doorRegistry, MeterNames.PUBLISHES, "Events published", MeterNames.DOOR, tag));
            failedByDoor.put(door, counter(doorRegistry, MeterNames.PUBLISH_FAILURES,
                    "Publishes the bus did not take (nothing published)", MeterNames.DOOR, tag));
            publishLatency.put(door, Timer.builder(MeterNames.PUBLISH_LATENCY)
                    .description("From a publish call to the bus's acknowledgement")
                    .tag(MeterNames.DOOR, tag)
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(doorRegistry));
        }
        for (TransportKind transport : TransportKind.values()) {
            openedByTransport.put(transport, counter(nodeRegistry, MeterNames.CONNECTIONS_OPENED, "Connections opened",
                    MeterNames.TRANSPORT, transport.tag()));
        }
        register(MeterNames.DELIVERIES, "Events handed to local subscribers", delivered);
        register(MeterNames.SLOW_CONSUMER_CLOSES, "Connections closed with 1013: the client did not read fast enough",
                slowConsumersClosed);
        register(MeterNames.GAP_REPAIRS, "History reads to fill a gap in what pub/sub delivered", gapRepairs);
        register(MeterNames.EVENTS_LOST, "Events missed that history no longer held", lostOnBus);
        register(MeterNames.BUS_PING_FAILURES, "Pings the bus did not answer", busPingFailures);
        this.deliveryLag = Timer.builder(MeterNames.DELIVERY_LAG)
                .description("From an event's publish (publishing node's clock) to this node handing it to its subscribers")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        this.busRoundTrip = Timer.builder(MeterNames.BUS_ROUND_TRIP)
                .description("Round trips to the bus")
                .serviceLevelObjectives(ROUND_TRIP_BUCKETS)
                .register(registry);
        this.replayEvents = DistributionSummary.builder(MeterNames.REPLAY_EVENTS)
                .description("Events one replay sent")
                .serviceLevelObjectives(REPLAY_EVENT_BUCKETS)
                .register(registry);
        this.replayBytes = DistributionSummary.builder(MeterNames.REPLAY_BYTES)
                .description("Bytes one replay sent")
                .baseUnit("bytes")
                .serviceLevelObjectives(REPLAY_BYTE_BUCKETS)
                .register(registry);
    }

    // ---- publishing ------------------------------------------------------------------------------

    /** The bus acknowledged {@code events} published through {@code door}, {@code nanos} after the call. */
    public void published(Publisher.Door door, int events, long nanos) {
        publishedByDoor.get(door).add(events);
        publishLatency.get(door).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void publishFailed(Publisher.Door door) {
        failedByDoor.get(door).increment();
    }

    // ---- delivery --------------------------------------------------------------------------------

    public void delivered(int frames) {
        delivered.add(frames);
    }

    /** An event published at {@code publishedAtMillis} (the publishing node's clock) was handed to subscribers now. */
    public void deliveryLag(long publishedAtMillis) {
        // Clocks of two nodes differ a little: an event cannot arrive before it was published.
        deliveryLag.record(Math.max(0, System.currentTimeMillis() - publishedAtMillis), TimeUnit.MILLISECONDS);
    }

    /** A topic read history to fill a gap (or to follow a new epoch). */
    public void gapRepair() {
        gapRepairs.increment();
    }

    public void lostOnBus(long events) {
        lostOnBus.add(events);
    }

    // ---- connections -----------------------------------------------------------------------------

    public void connectionOpened(TransportKind transport) {
        openedByTransport.get(transport).increment();
    }

    /**
     * A connection closed with {@code code}.
     *
     * @param byServer whether this node closed it (else the client did, or the network: 1006)
     */
    public void closed(int code, boolean byServer) {
        count(MeterNames.CLOSES, "Connections closed", MeterNames.CODE, MeterNames.closeCode(code),
                MeterNames.SIDE, byServer ? "server" : "client");
    }

    public void slowConsumerClosed() {
        slowConsumersClosed.increment();
    }

    /** A client request was answered with an {@code error} frame. */
    public void refused(ErrorCode code) {
        count(MeterNames.REQUESTS_REFUSED, "Client requests answered with an error frame", MeterNames.CODE, code.wireName());
    }

    // ---- replays and messages --------------------------------------------------------------------

    /** A subscribe with {@code since} went live after replaying {@code events} events of {@code bytes} bytes. */
    public void replayed(boolean recovered, long events, long bytes) {
        replay(recovered ? "recovered" : "unrecovered");
        replayEvents.record(events);
        replayBytes.record(bytes);
    }

    /** A subscribe with {@code since} was refused: the node's replay budget was spent. */
    public void replayRefused() {
        replay("refused");
    }

    /** A subscribe with {@code since} failed: the bus did not answer. */
    public void replayFailed() {
        replay("failed");
    }

    private void replay(String result) {
        count(MeterNames.REPLAYS, "Subscribes with since", MeterNames.RESULT, result);
    }

    /** A client {@code send} was answered with a reply ({@code null}) or with {@code error}. */
    public void message(ErrorCode error) {
        count(MeterNames.MESSAGES, "Client sends, by outcome", MeterNames.OUTCOME, error == null ? "reply" : error.wireName());
    }

    // ---- the bus ---------------------------------------------------------------------------------

    public void busRoundTrip(long nanos) {
        busRoundTrip.record(nanos, TimeUnit.NANOSECONDS);
        lastBusRoundTripNanos = nanos;
    }

    /** The last round trip to the bus, in nanoseconds; -1 before the first or after a failed one. */
    public long lastBusRoundTripNanos() {
        return lastBusRoundTripNanos;
    }

    public void busPingFailed() {
        busPingFailures.increment();
        lastBusRoundTripNanos = -1;
    }

    // ---- figures ---------------------------------------------------------------------------------

    /** The figures as {@code /api/stats} and the cluster view show them. */
    public Map<String, Object> snapshot() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("startedAt", startedAt);
        figures.put("published", sum(publishedByDoor));
        Map<String, Long> byDoor = new LinkedHashMap<>();
        publishedByDoor.forEach((door, count) -> byDoor.put(door.name().toLowerCase(Locale.ROOT), count.sum()));
        figures.put("publishedByDoor", byDoor);
        figures.put("publishFailures", sum(failedByDoor));
        figures.put("delivered", delivered.sum());
        figures.put("connectionsOpened", sum(openedByTransport));
        figures.put("slowConsumersClosed", slowConsumersClosed.sum());
        figures.put("protocolErrors", sumOf(MeterNames.REQUESTS_REFUSED));
        figures.put("replaysRefused", value(MeterNames.REPLAYS, MeterNames.RESULT, "refused"));
        figures.put("lostOnBus", lostOnBus.sum());
        figures.put("gapRepairs", gapRepairs.sum());
        return figures;
    }

    /** Events the application published through this node's doors so far (the node's own figures left out). */
    public long publishedByApplication() {
        return sum(publishedByDoor) - publishedByDoor.get(Publisher.Door.NODE).sum();
    }

    public long deliveredTotal() {
        return delivered.sum();
    }

    public long slowConsumersClosedTotal() {
        return slowConsumersClosed.sum();
    }

    private static LongAdder counter(MeterRegistry registry, String name, String description, String... tags) {
        LongAdder adder = new LongAdder();
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).tags(tags).register(registry);
        return adder;
    }

    private void register(String name, String description, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description).register(registry);
    }

    /** Counts one for the meter {@code name} with {@code tags}, registering it at its first count. */
    private void count(String name, String description, String... tags) {
        String key = key(name, tags);
        LongAdder adder = tagged.get(key);
        if (adder == null) {
            adder = tagged.computeIfAbsent(key, ignored -> counter(registry, name, description, tags));
        }
        adder.increment();
    }

    private long value(String name, String... tags) {
        LongAdder adder = tagged.get(key(name, tags));
        return adder == null ? 0 : adder.sum();
    }

    private long sumOf(String name) {
        String prefix = name + '\u0000';
        return tagged.entrySet().stream().filter(entry -> entry.getKey().startsWith(prefix))
                .mapToLong(entry -> entry.getValue().sum()).sum();
    }

    private static String key(String name, String... tags) {
        return name + '\u0000' + String.join("\u0000", tags);
    }

    private static long sum(Map<?, LongAdder> adders) {
        return adders.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static Duration[] durations(double... millis) {
        Duration[] durations = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            durations[i] = Duration.ofNanos((long) (millis[i] * 1_000_000));
        }
        return durations;
    }
}
