package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.EpochOrder;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ReconnectingClient;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.testkit.Await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One run of a Redis fault while events stream through every node of a cluster, measured as one row of the
 * fault report. Three kinds of subscriber: clients connected throughout; clients away during the fault (three
 * leave before the mid-stream step, e.g. a snapshot, three after it) that come back with {@code since} to
 * another node; and new subscribers once Redis is back. The publisher retries every refused publish with its
 * idempotency key until it is acknowledged, so every event started is owed.
 *
 * <p>The caller supplies the two Redis steps: {@link Fault#midStream()} (what makes a later loss possible:
 * a snapshot, a paused replica; returns the channel's sequence number that step preserved, if known) and
 * {@link Fault#strike()} (the fault itself; returns the health of every node while Redis was gone, if
 * measured). Driven by the test thread.
 */
final class DurabilityRun {

    /**
     * Bounds of the channel's sequence number that the Redis which serves after the fault still holds (read
     * around the mid-stream step: before and after a snapshot, on the replica before it is cut off and on the
     * master after).
     */
    record Kept(long atLeast, long atMost) {
        /** Nothing known. */
        static Kept unknown() {
            return new Kept(0, Long.MAX_VALUE);
        }

        /** Redis keeps nothing: the channel starts again. */
        static Kept nothing() {
            return new Kept(0, 0);
        }

        @Override
        public String toString() {
            return atLeast == atMost ? Long.toString(atLeast) : atMost == Long.MAX_VALUE ? "unknown" : atLeast + ".." + atMost;
        }
    }

    /** The Redis side of one scenario. */
    interface Fault {
        /** Runs while events stream; returns what of the channel's sequence the fault will leave. */
        Kept midStream();

        /** The fault; returns after Redis serves again, with the nodes' health statuses while it did not (empty: not measured). */
        List<Integer> strike();
    }

    /** What a run measured, for the test's assertions. */
    record Result(DeliveryTally connected, DeliveryTally away, DeliveryTally fresh, DeliveryTally.Reuse reuse,
                  List<ReconnectingClient> connectedClients, List<ReconnectingClient> awayClients,
                  List<Integer> healthWhileDown, NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged,
                  Set<Long> acknowledgedBeforeFault, Kept kept, List<String> notServedAgain,
                  Map<String, Long> refusals) {

        DeliveryTally total() {
            return connected.plus(away).plus(fresh);
        }

        /** The last {@code subscribed} reply of every away client (the one after coming back). */
        List<ReconnectingClient.Subscribed> resubscribes() {
            return awayClients.stream().map(client -> client.subscribedReplies().get(client.subscribedReplies().size() - 1))
                    .collect(Collectors.toList());
        }

        /** The highest offset acknowledged before the fault. */
        Offset lastBeforeFault() {
            return acknowledgedBeforeFault.stream().map(n -> Offset.parse(acknowledged.get(n).offset()))
                    .max((a, b) -> Long.compare(a.seq(), b.seq())).orElseThrow();
        }

        /** The lowest sequence number acknowledged in an epoch other than the one before the fault. */
        long firstSeqOfNewEpoch() {
            String old = lastBeforeFault().epoch();
            return acknowledged.values().stream().map(event -> Offset.parse(event.offset()))
                    .filter(offset -> !offset.epoch().equals(old)).mapToLong(Offset::seq).min()
                    .orElseThrow(() -> new AssertionError("no event acknowledged in a new epoch; last before the fault "
                            + lastBeforeFault() + ", last acknowledged " + acknowledged.lastEntry().getValue()));
        }

        /** The offsets acknowledged for events first sent after the fault ended, in order of {@code n}. */
        List<Offset> afterFault(long faultOverNanos) {
            return acknowledged.values().stream().filter(event -> event.firstAttemptNanos() > faultOverNanos)
                    .map(event -> Offset.parse(event.offset())).collect(Collectors.toList());
        }
    }

    static final int CONNECTED = 12;
    static final int AWAY_EARLY = 3;
    static final int AWAY_LATE = 3;
    static final int FRESH = 6;
    /** Six publishing threads (two per node), each pausing this long between events: some hundreds of events per second. */
    private static final int PUBLISHERS = 6;
    private static final Duration PUBLISH_PAUSE = Duration.ofMillis(2);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);
    /** Until every owed event arrived or was told lost. */
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /** After that, no frame at all for this long: late duplicates would have come. */
    private static final Duration QUIET = Duration.ofSeconds(1);
    private static final Duration QUIET_TIMEOUT = Duration.ofSeconds(15);

    private long faultOverNanos;

    long faultOverNanos() {
        return faultOverNanos;
    }

    Result run(FaultScenario resources, String key, String title, Cluster cluster, String channel, Fault fault) {
        long testStart = System.nanoTime();
        SubscriberGroup connected = resources.keep(SubscriberGroup.start(key + "-connected", cluster.nodes(), 0, CONNECTED,
                channel, START_TIMEOUT));
        SubscriberGroup awayEarly = resources.keep(SubscriberGroup.start(key + "-away-early", cluster.nodes(), 0, AWAY_EARLY,
                channel, START_TIMEOUT));
        SubscriberGroup awayLate = resources.keep(SubscriberGroup.start(key + "-away-late", cluster.nodes(), 1, AWAY_LATE,
                channel, START_TIMEOUT));
        StreamPublisher publisher = resources.keep(StreamPublisher.start(channel, cluster.nodes(), PUBLISHERS, PUBLISH_PAUSE));
        publisher.awaitMoreAcknowledged(150, PUBLISH_TIMEOUT);
        awayEarly.clients().forEach(ReconnectingClient::goAway);
        publisher.awaitMoreAcknowledged(50, PUBLISH_TIMEOUT);

        Kept preserved = fault.midStream();

        publisher.awaitMoreAcknowledged(100, PUBLISH_TIMEOUT);
        awayLate.clients().forEach(ReconnectingClient::goAway);
        publisher.awaitMoreAcknowledged(50, PUBLISH_TIMEOUT);

        Set<Long> before = publisher.acknowledged().keySet();
        List<Integer> healthWhileDown = fault.strike();
        Faults.awaitHealth(cluster, 200, HEALTH_TIMEOUT);
        faultOverNanos = System.nanoTime();

        List<ReconnectingClient> away = new ArrayList<>(awayEarly.clients());
        away.addAll(awayLate.clients());
        for (int i = 0; i < away.size(); i++) {
            ReconnectingClient client = away.get(i);
            int left = cluster.nodes().stream().map(node -> node.id()).collect(Collectors.toList()).indexOf(client.node());
            client.comeBack(left + 1); // to another node than the one it left
        }
        SubscriberGroup fresh = resources.keep(SubscriberGroup.start(key + "-new", cluster.nodes(), 2, FRESH, channel,
                START_TIMEOUT));
        // The first event the Redis serving after the fault acknowledged: one of a new epoch. (An event the
        // dying Redis acknowledged just before the kill may be lost with it when nothing persists, and is
        // then counted lost-and-told like any other, not taken as proof that delivery goes on.)
        Set<String> epochsBefore = publisher.acknowledged().entrySet().stream().filter(e -> before.contains(e.getKey()))
                .map(e -> Offset.parse(e.getValue()).epoch()).collect(Collectors.toSet());
        long firstAfter = Await.until("an event acknowledged after the fault", PUBLISH_TIMEOUT,
                () -> publisher.acknowledged().entrySet().stream()
                        .filter(e -> !before.contains(e.getKey()) && !epochsBefore.contains(Offset.parse(e.getValue()).epoch()))
                        .map(Map.Entry::getKey).findFirst(),
                Optional::isPresent).orElseThrow();
        Optional<Duration> timeToRecover = connected.timeUntilAll(faultOverNanos, RECOVERY_TIMEOUT,
                client -> client.hasReceived(channel, firstAfter));
        List<String> notServed = connected.describeFailing(client -> client.hasReceived(channel, firstAfter), 3);
        publisher.awaitMoreAcknowledged(200, PUBLISH_TIMEOUT);
        publisher.stop();

        NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged = publisher.acknowledgedEvents();
        List<SubscriberGroup> all = List.of(connected, awayEarly, awayLate, fresh);
        Function<ReconnectingClient, Collection<DeliveryTally.Owed>> owed = client -> owed(acknowledged, client, channel);
        DeliveryTally total = drain(all, channel, acknowledged, owed);
        EpochOrder order = order(all, channel, acknowledged);
        DeliveryTally connectedTally = connected.tally(channel, owed, order);
        DeliveryTally awayTally = awayEarly.tally(channel, owed, order).plus(awayLate.tally(channel, owed, order));
        DeliveryTally freshTally = fresh.tally(channel, owed, order);
        List<ReconnectingClient.Stream> streams = new ArrayList<>();
        all.forEach(group -> streams.addAll(group.streams(channel)));
        DeliveryTally.Reuse reuse = DeliveryTally.offsetsReused(publisher.acknowledged(), streams);

        FaultReport.record(new FaultReport.Scenario(key, title + ": " + CONNECTED + " connected, " + (AWAY_EARLY + AWAY_LATE)
                + " back with since, " + FRESH + " new", publisher.published(), acknowledged.size(), total, reuse.count(),
                FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note(key, title + ": " + describe(connectedTally, awayTally, freshTally, reuse, away, publisher, preserved,
                before, acknowledged, connected, fresh));
        return new Result(connectedTally, awayTally, freshTally, reuse, connected.clients(), away, healthWhileDown,
                acknowledged, before, preserved, notServed, publisher.refusals());
    }

    /** Every acknowledged event whose first publish was sent after the client's first {@code subscribed}. */
    private static Collection<DeliveryTally.Owed> owed(NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged,
                                                       ReconnectingClient client, String channel) {
        Long subscribedAt = client.firstSubscribedNanos(channel);
        return acknowledged.values().stream()
                .filter(event -> subscribedAt != null && event.firstAttemptNanos() > subscribedAt)
                .map(event -> new DeliveryTally.Owed(event.n(), event.offset()))
                .collect(Collectors.toList());
    }

    private static EpochOrder order(List<SubscriberGroup> groups, String channel,
                                    NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged) {
        EpochOrder order = new EpochOrder();
        acknowledged.values().forEach(event -> order.seen(Offset.parse(event.offset()).epoch(), event.acknowledgedNanos()));
        groups.forEach(group -> group.streams(channel).forEach(order::add));
        return order;
    }

    /**
     * Waits until every owed event arrived or was told lost (up to a deadline: what is lost silently never
     * arrives), then until no frame at all arrived for a quiet second, so that late duplicates are counted.
     */
    private static DeliveryTally drain(List<SubscriberGroup> groups, String channel,
                                       NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged,
                                       Function<ReconnectingClient, Collection<DeliveryTally.Owed>> owed) {
        long deadline = System.nanoTime() + DELIVERY_TIMEOUT.toNanos();
        DeliveryTally total = tally(groups, channel, acknowledged, owed);
        while (total.lostSilently() > 0 && System.nanoTime() - deadline < 0) {
            pause(Duration.ofMillis(200));
            total = tally(groups, channel, acknowledged, owed);
        }
        long quietDeadline = System.nanoTime() + QUIET_TIMEOUT.toNanos();
        long frames = frames(groups, channel);
        long lastChange = System.nanoTime();
        while (System.nanoTime() - lastChange < QUIET.toNanos() && System.nanoTime() - quietDeadline < 0) {
            pause(Duration.ofMillis(100));
            long now = frames(groups, channel);
            if (now != frames) {
                frames = now;
                lastChange = System.nanoTime();
            }
        }
        return tally(groups, channel, acknowledged, owed);
    }

    private static DeliveryTally tally(List<SubscriberGroup> groups, String channel,
                                       NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged,
                                       Function<ReconnectingClient, Collection<DeliveryTally.Owed>> owed) {
        EpochOrder order = order(groups, channel, acknowledged);
        DeliveryTally total = DeliveryTally.none();
        for (SubscriberGroup group : groups) {
            total = total.plus(group.tally(channel, owed, order));
        }
        return total;
    }

    private static long frames(List<SubscriberGroup> groups, String channel) {
        return groups.stream().mapToLong(group -> group.framesReceived(channel)).sum();
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String describe(DeliveryTally connected, DeliveryTally away, DeliveryTally fresh, DeliveryTally.Reuse reuse,
                                   List<ReconnectingClient> awayClients, StreamPublisher publisher, Kept preserved,
                                   Set<Long> before, NavigableMap<Long, StreamPublisher.Acknowledged> acknowledged,
                                   SubscriberGroup connectedGroup, SubscriberGroup freshGroup) {
        Set<String> epochsBefore = new TreeSet<>();
        long highestBefore = 0;
        for (long n : before) {
            Offset offset = Offset.parse(acknowledged.get(n).offset());
            epochsBefore.add(offset.epoch());
            highestBefore = Math.max(highestBefore, offset.seq());
        }
        List<String> resubscribed = awayClients.stream().map(client -> {
            ReconnectingClient.Subscribed last = client.subscribedReplies().get(client.subscribedReplies().size() - 1);
            return last.since() + " -> " + last.offset() + (last.recovered() ? " recovered" : " NOT recovered");
        }).collect(Collectors.toList());
        long unsolicited = connectedGroup.clients().stream()
                .mapToLong(client -> client.notices().stream().filter(ReconnectingClient.Notice::unsolicited).count()).sum();
        return "connected [" + connected.counts() + "]; back with since [" + away.counts() + "]; new [" + fresh.counts()
                + "]; offsets reused " + reuse + "; acknowledged before the fault up to seq " + highestBefore + " in epoch(s) " + epochsBefore
                + "; the Redis serving after the fault kept seq " + preserved
                + "; away clients resubscribed " + resubscribed + "; unsolicited subscribed frames to connected clients "
                + unsolicited + "; publish retries " + (publisher.attempts() - publisher.published()) + " "
                + publisher.refusals() + "; connections closed by the nodes " + connectedGroup.closes() + " / new "
                + freshGroup.closes();
    }

    /** The rules every row holds to. */
    static void assertNothingLostSilently(DurabilityRun.Result result) {
        assertThat(result.total().lostSilently()).as("acknowledged events LOST SILENTLY: %s", result.total()).isZero();
        assertThat(result.total().duplicated()).as("events duplicated: %s", result.total()).isZero();
        assertThat(result.total().outOfOrder()).as("events out of order: %s", result.total()).isZero();
        assertThat(result.reuse().count()).as("offsets handed out for two different events: %s", result.reuse()).isZero();
        assertThat(result.notServedAgain()).as("connected clients that did not receive the first event acknowledged "
                + "after the fault").isEmpty();
        assertThat(result.fresh().lost()).as("new subscribers miss nothing after their subscribed: %s", result.fresh()).isZero();
        if (!result.healthWhileDown().isEmpty()) {
            assertThat(result.healthWhileDown()).as("health of every node while Redis was down").containsOnly(503);
        }
        assertThat(result.connectedClients()).allSatisfy(client ->
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
    }

    static void assertAwayClientsTold(DurabilityRun.Result result, boolean recovered) {
        assertThat(result.resubscribes()).as("replies to the clients back with since").hasSize(result.awayClients().size())
                .allSatisfy(reply -> {
                    assertThat(reply.since()).as("%s", reply).isNotNull();
                    assertThat(reply.recovered()).as("%s", reply).isEqualTo(recovered);
                });
    }

    /**
     * Events first sent after the fault are in a new epoch, and that epoch continues the sequence from what the
     * Redis serving after the fault still held (between {@code kept}'s bounds).
     */
    static void assertNewEpochContinuing(Result result, DurabilityRun run) {
        List<Offset> after = result.afterFault(run.faultOverNanos());
        assertThat(after).as("offsets acknowledged after the fault").isNotEmpty()
                .allSatisfy(offset -> assertThat(offset.epoch()).as("epoch after the fault (before: %s)", result.lastBeforeFault())
                        .isNotEqualTo(result.lastBeforeFault().epoch()));
        long first = result.firstSeqOfNewEpoch();
        assertThat(first).as("first seq of the new epoch, Redis having kept seq %s", result.kept())
                .isGreaterThan(result.kept().atLeast());
        if (result.kept().atMost() != Long.MAX_VALUE) {
            assertThat(first).as("first seq of the new epoch, Redis having kept seq %s", result.kept())
                    .isLessThanOrEqualTo(result.kept().atMost() + 1);
        }
    }

    /** The fault really lost acknowledged writes: offsets beyond what the serving Redis kept had been acknowledged. */
    static void assertFaultLostAcknowledgedWrites(Result result) {
        assertThat(result.lastBeforeFault().seq()).as("acknowledged before the fault, beyond what Redis kept (%s)", result.kept())
                .isGreaterThan(result.kept().atMost());
    }

}
