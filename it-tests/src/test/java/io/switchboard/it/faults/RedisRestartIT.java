package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.Await;
import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ReconnectingClient;
import io.switchboard.it.support.RedisServerProcess;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.it.support.WsClient;
import org.junit.jupiter.api.Test;

import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis stopped and started again while events are published as fast as they go through all three nodes
 * of a cluster and 30 clients listen. Without persistence Redis comes back empty: every acknowledged event still reaches the
 * connected clients (the new ones under a new epoch), and an offset of the lost epoch is answered
 * {@code recovered:false}. With an append-only file fsynced on every write nothing acknowledged is lost,
 * not even for clients that were away during the outage and come back with {@code since}. Throughout,
 * health says 503 while Redis is down and 200 once it is back, and no connected client is dropped.
 */
class RedisRestartIT extends FaultScenario {

    private static final int NODES = 3;
    private static final int CLIENTS = 30;
    private static final int AWAY_CLIENTS = 9;
    /**
     * History long enough for everything published from the moment Redis stops until every node listens
     * again (Redisson's reconnection backoff takes up to ~10 s): what is published meanwhile must still be in
     * the history when a node repairs from it.
     */
    private static final Map<String, String> SETTINGS = Map.of("switchboard.history-size", "50000");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SHORT_WAIT = Duration.ofSeconds(5);
    /**
     * Six publishing threads (two per node) with this pause: as many events per second as the machine allows (some
     * hundreds), so that live traffic races every repair a node makes when its subscriptions come back.
     */
    private static final int PUBLISHERS = 6;
    private static final Duration PUBLISH_PAUSE = Duration.ofMillis(2);


    @Test
    void redisRestartedEmptyLosesNoAcknowledgedEventForConnectedClientsAndOldOffsetsAreNotRecovered() {
        long testStart = System.nanoTime();
        RedisServerProcess redis = keep(RedisServerProcess.start("RedisRestartIT-volatile-redis"));
        Cluster cluster = keep(Cluster.start("RedisRestartIT-volatile", NODES, redis, SETTINGS));
        String channel = "restart.volatile";
        SubscriberGroup clients = keep(SubscriberGroup.start("volatile", cluster.nodes(), 0, CLIENTS, channel, START_TIMEOUT));
        StreamPublisher publisher = keep(StreamPublisher.start(channel, cluster.nodes(), PUBLISHERS, PUBLISH_PAUSE));
        publisher.awaitMoreAcknowledged(200, DELIVERY_TIMEOUT);
        String beforeRestart = lastAcknowledged(publisher);

        Outage outage = restartRedis(redis, cluster, publisher);

        long firstAfter = firstAcknowledgedAfter(publisher, outage.acknowledgedBefore());
        Predicate<ReconnectingClient> servedAgain = client -> client.hasReceived(channel, firstAfter);
        Optional<Duration> timeToRecover = clients.timeUntilAll(outage.redisBackNanos(), RECOVERY_TIMEOUT, servedAgain);
        List<String> notServed = clients.describeFailing(servedAgain, 3);
        publisher.awaitMoreAcknowledged(200, DELIVERY_TIMEOUT);
        publisher.stop();
        Collection<String> acknowledged = publisher.acknowledged().values();
        DeliveryTally tally = clients.awaitDelivery(acknowledged, timeToRecover.isPresent() ? DELIVERY_TIMEOUT : SHORT_WAIT);
        FaultReport.record(new FaultReport.Scenario("a1", "(a) Redis restarted mid-stream, no persistence: "
                + CLIENTS + " connected clients on " + NODES + " nodes", publisher.published(), acknowledged.size(),
                tally, FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note("a1", "(a) no persistence: connections closed by the nodes: " + clients.closes()
                + "; publishes not acknowledged: " + publisher.refusals());

        // A client that comes with an offset of the lost epoch is told plainly that it cannot be recovered.
        String afterRestart = lastAcknowledged(publisher);
        try (WsClient late = cluster.node(2).connect()) {
            JsonNode subscribed = late.subscribe(channel, beforeRestart);
            assertThat(subscribed.path("recovered").asBoolean(true)).as("subscribed %s", subscribed).isFalse();
            assertThat(Offset.parse(subscribed.path("offset").asText()).epoch()).as("subscribed %s", subscribed)
                    .isEqualTo(Offset.parse(afterRestart).epoch());
            assertThat(late.events(channel)).as("events replayed for an offset of a lost epoch").isEmpty();
        }
        JsonNode history = cluster.node(3).api().get("/switchboard/api/channels/" + channel + "/history?since=" + beforeRestart).json();
        assertThat(history.path("recovered").asBoolean(true)).as("history since %s: %s", beforeRestart, history).isFalse();

        assertThat(notServed).as("clients that did not receive n=%d, the first event acknowledged after Redis came back",
                firstAfter).isEmpty();
        assertThat(tally.lost()).as("acknowledged events lost: %s", tally).isZero();
        assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
        assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
        assertThat(tally.delivered()).isEqualTo((long) CLIENTS * acknowledged.size());
        assertThat(publisher.refusals()).as("publishes refused while Redis was down").isNotEmpty();
        assertThat(outage.healthWhileDown()).as("health of every node while Redis was down").containsOnly(503);
        assertThat(clients.clients()).as("clients that stayed connected through the outage")
                .allSatisfy(client -> assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
        assertThat(Offset.parse(afterRestart).epoch()).as("epoch of %s after Redis lost the channel (before: %s)",
                afterRestart, beforeRestart).isNotEqualTo(Offset.parse(beforeRestart).epoch());
    }

    @Test
    void redisWithAppendOnlyFileRestartedLosesNothingAcknowledgedEvenForClientsReconnectingWithSince() {
        long testStart = System.nanoTime();
        RedisServerProcess redis = keep(RedisServerProcess.startWithAppendOnlyFile("RedisRestartIT-aof-redis",
                Paths.get("target", "redis-aof-" + Long.toHexString(System.nanoTime()))));
        Cluster cluster = keep(Cluster.start("RedisRestartIT-aof", NODES, redis, SETTINGS));
        String channel = "restart.aof";
        SubscriberGroup staying = keep(SubscriberGroup.start("aof-staying", cluster.nodes(), 0, CLIENTS - AWAY_CLIENTS,
                channel, START_TIMEOUT));
        SubscriberGroup away = keep(SubscriberGroup.start("aof-away", cluster.nodes(), 0, AWAY_CLIENTS, channel, START_TIMEOUT));
        StreamPublisher publisher = keep(StreamPublisher.start(channel, cluster.nodes(), PUBLISHERS, PUBLISH_PAUSE));
        publisher.awaitMoreAcknowledged(200, DELIVERY_TIMEOUT);
        String beforeRestart = lastAcknowledged(publisher);
        away.clients().forEach(ReconnectingClient::goAway);
        publisher.awaitMoreAcknowledged(100, DELIVERY_TIMEOUT);

        Outage outage = restartRedis(redis, cluster, publisher);

        for (int i = 0; i < away.size(); i++) {
            away.clients().get(i).comeBack(i + 1); // to another node than the one it left
        }
        long firstAfter = firstAcknowledgedAfter(publisher, outage.acknowledgedBefore());
        Predicate<ReconnectingClient> servedAgain = client -> client.hasReceived(channel, firstAfter);
        Optional<Duration> stayingRecovered = staying.timeUntilAll(outage.redisBackNanos(), RECOVERY_TIMEOUT, servedAgain);
        Duration left = RECOVERY_TIMEOUT.minus(Faults.since(outage.redisBackNanos()));
        Optional<Duration> awayRecovered = away.timeUntilAll(outage.redisBackNanos(),
                left.isNegative() ? Duration.ZERO : left, servedAgain);
        List<String> notServed = new ArrayList<>(staying.describeFailing(servedAgain, 3));
        notServed.addAll(away.describeFailing(servedAgain, 3));
        Optional<Duration> timeToRecover = stayingRecovered.isPresent() && awayRecovered.isPresent()
                ? Optional.of(Collections.max(List.of(stayingRecovered.get(), awayRecovered.get()))) : Optional.empty();
        publisher.awaitMoreAcknowledged(200, DELIVERY_TIMEOUT);
        publisher.stop();
        Collection<String> acknowledged = publisher.acknowledged().values();
        Duration wait = timeToRecover.isPresent() ? DELIVERY_TIMEOUT : SHORT_WAIT;
        DeliveryTally tally = staying.awaitDelivery(acknowledged, wait).plus(away.awaitDelivery(acknowledged, wait));
        FaultReport.record(new FaultReport.Scenario("a2", "(a) Redis restarted mid-stream, AOF fsync always: "
                + (CLIENTS - AWAY_CLIENTS) + " connected + " + AWAY_CLIENTS + " reconnecting with since",
                publisher.published(), acknowledged.size(), tally, FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note("a2", "(a) AOF: connections closed by the nodes: of the connected clients " + staying.closes()
                + ", of the returning ones " + away.closes() + "; publishes not acknowledged: " + publisher.refusals());

        assertThat(notServed).as("clients that did not receive n=%d, the first event acknowledged after Redis came back",
                firstAfter).isEmpty();
        assertThat(tally.lost()).as("acknowledged events lost: %s", tally).isZero();
        assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
        assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
        assertThat(tally.delivered()).isEqualTo((long) CLIENTS * acknowledged.size());
        assertThat(outage.healthWhileDown()).as("health of every node while Redis was down").containsOnly(503);
        assertThat(staying.clients()).allSatisfy(client ->
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
        assertThat(away.clients()).allSatisfy(client -> {
            ReconnectingClient.Subscribed resubscribed = client.subscribedReplies().get(client.subscribedReplies().size() - 1);
            assertThat(resubscribed.since()).as("%s resubscribed with since", client).isNotNull();
            assertThat(resubscribed.recovered()).as("%s: %s", client, resubscribed).isTrue();
        });
        String afterRestart = lastAcknowledged(publisher);
        assertThat(Offset.parse(afterRestart).epoch()).as("epoch of %s after a restart that kept the data", afterRestart)
                .isEqualTo(Offset.parse(beforeRestart).epoch());
    }

    /** What happened while Redis was down. */
    private record Outage(List<Integer> healthWhileDown, Set<Long> acknowledgedBefore, long redisBackNanos) {
    }

    /**
     * Stops Redis (SIGTERM) while the publisher runs, waits until every node says 503 and some publishes
     * were refused, checks the health of every node, starts Redis again and waits until every node says 200.
     */
    private Outage restartRedis(RedisServerProcess redis, Cluster cluster, StreamPublisher publisher) {
        Map<String, Long> refusedBefore = publisher.refusals();
        redis.stop();
        Set<Long> acknowledgedBefore = publisher.acknowledged().keySet();
        Faults.awaitHealth(cluster, 503, HEALTH_TIMEOUT);
        Await.until("a publish refused while Redis is down", HEALTH_TIMEOUT,
                () -> !publisher.refusals().equals(refusedBefore));
        List<Integer> healthWhileDown = cluster.nodes().stream().map(Faults::health).collect(Collectors.toList());
        redis.startAgain();
        long back = System.nanoTime();
        Faults.awaitHealth(cluster, 200, HEALTH_TIMEOUT);
        return new Outage(healthWhileDown, acknowledgedBefore, back);
    }

    /** The smallest {@code n} acknowledged that was not acknowledged {@code before}, once there is one. */
    private static long firstAcknowledgedAfter(StreamPublisher publisher, Set<Long> before) {
        return Await.until("an event acknowledged after Redis came back", DELIVERY_TIMEOUT,
                () -> publisher.acknowledged().keySet().stream().filter(n -> !before.contains(n)).findFirst(),
                Optional::isPresent).orElseThrow();
    }

    /** The offset of the highest {@code n} acknowledged so far. */
    private static String lastAcknowledged(StreamPublisher publisher) {
        return publisher.acknowledged().lastEntry().getValue();
    }


}
