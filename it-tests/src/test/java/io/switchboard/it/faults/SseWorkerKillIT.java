package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.ReconnectingClient;
import io.switchboard.it.support.ServerNode;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WorkerKillIT} over SSE: a worker holding SSE streams SIGKILLed while events are published through all
 * three nodes. Every client's requests (subscribes, pongs) are POSTed to the two nodes that do not hold its
 * stream, so they are forwarded to its session over the bus, before and after the kill. The killed node's
 * clients open a new stream on another node and resubscribe with {@code since}: they receive everything
 * acknowledged meanwhile, nobody receives an event twice or out of order, and the clients of the surviving
 * nodes do not notice (their requests kept passing through the survivors).
 */
class SseWorkerKillIT extends FaultScenario {

    private static final int NODES = 3;
    private static final int CLIENTS = 120;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHORT_WAIT = Duration.ofSeconds(5);
    private static final Duration PUBLISH_PAUSE = Duration.ofMillis(10);

    @Test
    void sseClientsOfAKilledWorkerOpenAStreamElsewhereAndMissNoAcknowledgedEvent() {
        long testStart = System.nanoTime();
        RedisServerProcess redis = keep(RedisServerProcess.start("SseWorkerKillIT-redis"));
        Cluster cluster = keep(Cluster.start("SseWorkerKillIT", NODES, redis));
        String channel = "kill.sse.stream";
        SubscriberGroup clients = keep(SubscriberGroup.startOverSse("sse-kill", cluster.nodes(), 0, CLIENTS, channel,
                START_TIMEOUT));
        ServerNode victim = cluster.node(2);
        SubscriberGroup orphans = clients.on(victim.id());
        assertThat(orphans.size()).as("SSE clients on %s", victim).isEqualTo(CLIENTS / NODES);
        StreamPublisher publisher = keep(StreamPublisher.start(channel, cluster.nodes(), NODES, PUBLISH_PAUSE));
        publisher.awaitMoreAcknowledged(300, DELIVERY_TIMEOUT);

        victim.kill();
        long killedAt = System.nanoTime();

        Predicate<ReconnectingClient> resubscribedElsewhere = client -> client.subscribedReplies().size() >= 2
                && !victim.id().equals(client.node());
        Optional<Duration> timeToRecover = orphans.timeUntilAll(killedAt, RECOVERY_TIMEOUT, resubscribedElsewhere);
        List<String> notBack = orphans.describeFailing(resubscribedElsewhere, 3);
        publisher.awaitMoreAcknowledged(300, DELIVERY_TIMEOUT);
        publisher.stop();
        Collection<String> acknowledged = publisher.acknowledged().values();
        DeliveryTally tally = clients.awaitDelivery(acknowledged, timeToRecover.isPresent() ? DELIVERY_TIMEOUT : SHORT_WAIT);
        FaultReport.record(new FaultReport.Scenario("b2", "(b2) worker holding SSE streams SIGKILLed under load: "
                + CLIENTS + " SSE clients on " + NODES + " nodes, requests POSTed to the other nodes, the " + orphans.size()
                + " of the killed one opening a stream elsewhere with since",
                publisher.published(), acknowledged.size(), tally, FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note("b2", "(b2) SSE connections that ended: " + clients.closes() + "; publishes not acknowledged: "
                + publisher.refusals());

        assertThat(notBack).as("SSE clients of %s not resubscribed on another node", victim).isEmpty();
        assertThat(tally.lost()).as("acknowledged events lost: %s", tally).isZero();
        assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
        assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
        assertThat(tally.delivered()).isEqualTo((long) CLIENTS * acknowledged.size());
        assertThat(orphans.clients()).allSatisfy(client -> {
            ReconnectingClient.Subscribed resubscribed = client.subscribedReplies().get(client.subscribedReplies().size() - 1);
            assertThat(resubscribed.since()).as("%s resubscribed with since", client).isNotNull();
            assertThat(resubscribed.recovered()).as("%s: %s", client, resubscribed).isTrue();
        });
        assertThat(clients.clients()).filteredOn(client -> !orphans.clients().contains(client))
                .as("SSE clients of the surviving nodes").allSatisfy(client ->
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
    }
}
