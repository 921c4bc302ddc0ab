package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ReconnectingClient;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients whose network goes away for 10 s while events keep being published, then come back to the other
 * node of two with {@code since} = the last offset they saw (what client.js does): they receive, in order and
 * once, everything published meanwhile, and are told {@code recovered:true}. The history API serves the same
 * events. Also the case a returning client often meets: it is the first subscriber of a busy channel on its new
 * node. Default settings (history of 1000 events per channel, send queue of 1024 frames).
 */
class ReconnectAfterAbsenceIT extends FaultScenario {

    private static final int NODES = 2;
    private static final Duration ABSENCE = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SHORT_WAIT = Duration.ofSeconds(5);
    /**
     * One publishing thread per channel pausing this long after each publish: some 70 events per second per
     * channel, about 700 per channel in 10 s, within the history of 1000 events per channel.
     */
    private static final Duration PUBLISH_PAUSE = Duration.ofMillis(12);

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(NODES);

    @Test
    void clientBackAfterTenSecondsAwayReceivesEverythingPublishedMeanwhileAndIsToldRecovered() {
        Absence absence = runAbsence("c1", "one channel", 10, List.of("absence.single"));

        absence.assertNothingMissed();
        // The history API serves what the clients were replayed.
        String channel = "absence.single";
        String since = absence.offsetWhenLeaving().get(channel);
        JsonNode history = cluster.node(1).api().get("/switchboard/api/channels/" + channel + "/history?since=" + since
                + "&limit=1000").json();
        assertThat(history.path("recovered").asBoolean(false)).as("history since %s: %s", since, history).isTrue();
        List<String> served = new ArrayList<>();
        history.path("events").forEach(event -> served.add(event.path("offset").asText()));
        List<String> acknowledgedAfter = absence.acknowledged().get(channel).values().stream()
                .filter(offset -> Offset.parse(offset).seq() > Offset.parse(since).seq()).collect(Collectors.toList());
        assertThat(served).as("offsets served by the history API since %s", since).containsAll(acknowledgedAfter);
    }

    @Test
    void clientBackAfterTenSecondsAwayReceivesEverythingPublishedMeanwhileOnEachOfItsThreeChannels() {
        Absence absence = runAbsence("c2", "three channels", 5, List.of("absence.a", "absence.b", "absence.c"));

        absence.assertNothingMissed();
    }

    @Test
    void firstSubscriberOfAChannelOnANodeReceivesEveryEventAfterItsSubscribedOffset() {
        // What a client coming back meets when nobody on its new node listens to the channel yet: the node
        // subscribes to Redis while the channel is busy. Repeated on fresh channels, events streaming meanwhile.
        long testStart = System.nanoTime();
        int rounds = 30;
        int ran = 0;
        DeliveryTally total = DeliveryTally.none();
        long published = 0;
        long acknowledgedCount = 0;
        for (int round = 0; round < rounds; round++) {
            String channel = "first." + round + "." + Long.toHexString(System.nanoTime());
            StreamPublisher publisher = keep(StreamPublisher.start(channel, List.of(cluster.node(1)), 2, Duration.ZERO));
            publisher.awaitMoreAcknowledged(20, DELIVERY_TIMEOUT);
            ReconnectingClient client = keep(ReconnectingClient.start("first-" + round, List.of(cluster.node(2)), 0, channel));
            client.awaitSubscribed(1, START_TIMEOUT);
            publisher.awaitMoreAcknowledged(50, DELIVERY_TIMEOUT);
            publisher.stop();
            Offset from = Offset.parse(client.subscribedReplies().get(0).offset());
            List<String> expected = publisher.acknowledged().values().stream()
                    .filter(offset -> Offset.parse(offset).seq() > from.seq()).collect(Collectors.toList());
            SubscriberGroup.awaitReceived(client, channel, expected, SHORT_WAIT);
            total = total.plus(DeliveryTally.of(client + " " + channel, expected, client.stream(channel)));
            published += publisher.published();
            acknowledgedCount += publisher.acknowledged().size();
            client.close();
            ran++;
            if (!total.perfect()) {
                break; // one round that went wrong says it all
            }
        }
        FaultReport.record(new FaultReport.Scenario("c3", "(c) first subscriber of a busy channel on a node, "
                + ran + " fresh channels", published, acknowledgedCount, total, "n/a", Faults.since(testStart)));

        assertThat(total.lost()).as("acknowledged events after the subscribed offset lost: %s", total).isZero();
        assertThat(total.duplicated()).as("events duplicated: %s", total).isZero();
        assertThat(total.outOfOrder()).as("events out of order: %s", total).isZero();
    }

    /** What one absence produced. */
    private record Absence(SubscriberGroup clients, Map<String, NavigableMap<Long, String>> acknowledged,
                           Map<String, DeliveryTally> tallies, Map<String, String> offsetWhenLeaving, List<String> notBack) {

        void assertNothingMissed() {
            assertThat(notBack).as("clients not resubscribed within %s of coming back, in one connection (deliveries: %s)",
                    RECOVERY_TIMEOUT, tallies).isEmpty();
            tallies.forEach((channel, tally) -> {
                assertThat(tally.lost()).as("acknowledged events lost on %s: %s", channel, tally).isZero();
                assertThat(tally.duplicated()).as("events duplicated on %s: %s", channel, tally).isZero();
                assertThat(tally.outOfOrder()).as("events out of order on %s: %s", channel, tally).isZero();
                assertThat(tally.delivered()).isEqualTo((long) clients.size() * acknowledged.get(channel).size());
            });
            assertThat(clients.clients()).allSatisfy(client -> {
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(2);
                List<ReconnectingClient.Subscribed> replies = client.subscribedReplies();
                List<ReconnectingClient.Subscribed> resubscribed = replies.subList(replies.size() - tallies.size(), replies.size());
                assertThat(resubscribed).as("%s: subscribed replies after coming back", client).allSatisfy(reply -> {
                    assertThat(reply.since()).as("since of %s", reply).isNotNull();
                    assertThat(reply.recovered()).as("%s", reply).isTrue();
                });
            });
        }
    }

    /**
     * {@code count} clients on {@code channels}, spread over both nodes; one publisher per channel; the clients
     * go away for {@link #ABSENCE} and come back to the other node; then publishing stops and deliveries are
     * counted and recorded as scenario {@code key}.
     */
    private Absence runAbsence(String key, String what, int count, List<String> channels) {
        long testStart = System.nanoTime();
        SubscriberGroup clients = keep(SubscriberGroup.start("absence-" + key, cluster.nodes(), 0, count, channels, START_TIMEOUT));
        Map<String, StreamPublisher> publishers = new LinkedHashMap<>();
        channels.forEach(channel -> publishers.put(channel, keep(StreamPublisher.start(channel, cluster.nodes(), 1, PUBLISH_PAUSE))));
        publishers.values().forEach(publisher -> publisher.awaitMoreAcknowledged(20, DELIVERY_TIMEOUT));
        Map<String, String> offsetWhenLeaving = new LinkedHashMap<>();
        channels.forEach(channel -> offsetWhenLeaving.put(channel, clients.clients().get(0).lastOffset(channel)));

        clients.clients().forEach(ReconnectingClient::goAway);
        sleep(ABSENCE);
        long back = System.nanoTime();
        for (int i = 0; i < clients.size(); i++) {
            clients.clients().get(i).comeBack(i + 1); // to the other node
        }

        Predicate<ReconnectingClient> resubscribed = client -> client.connections() == 2
                && client.subscribedReplies().size() == 2 * channels.size();
        Optional<Duration> timeToRecover = clients.timeUntilAll(back, RECOVERY_TIMEOUT, resubscribed);
        List<String> notBack = clients.describeFailing(resubscribed, 3);
        publishers.values().forEach(publisher -> publisher.awaitMoreAcknowledged(20, DELIVERY_TIMEOUT));
        publishers.values().forEach(StreamPublisher::stop);
        Map<String, NavigableMap<Long, String>> acknowledged = new LinkedHashMap<>();
        Map<String, DeliveryTally> tallies = new LinkedHashMap<>();
        DeliveryTally total = DeliveryTally.none();
        long published = 0;
        long acknowledgedCount = 0;
        for (Map.Entry<String, StreamPublisher> entry : publishers.entrySet()) {
            Collection<String> offsets = entry.getValue().acknowledged().values();
            DeliveryTally tally = clients.awaitDelivery(entry.getKey(), offsets,
                    timeToRecover.isPresent() ? DELIVERY_TIMEOUT : SHORT_WAIT);
            acknowledged.put(entry.getKey(), entry.getValue().acknowledged());
            tallies.put(entry.getKey(), tally);
            total = total.plus(tally);
            published += entry.getValue().published();
            acknowledgedCount += offsets.size();
        }
        FaultReport.record(new FaultReport.Scenario(key, "(c) " + count + " clients back after " + ABSENCE.toSeconds()
                + " s away, " + what + ", to the other node with since", published, acknowledgedCount, total,
                FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note(key, "(c) " + what + ": connections closed by the nodes after coming back: " + clients.closes());
        return new Absence(clients, acknowledged, tallies, offsetWhenLeaving, notBack);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
