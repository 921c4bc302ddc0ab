package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.ReconnectingClient;
import io.switchboard.it.support.ServerNode;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.testkit.redis.RedisServerProcess;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker of three SIGKILLed while events are published through all three nodes and clients listen on every
 * node, whatever carries the clients' connections ({@link WorkerKillIT}: WebSockets, {@link SseWorkerKillIT}:
 * SSE). Measured as one row of the fault report, then checked: the killed node's clients are back on another
 * node, resubscribed with {@code since} and told {@code recovered}; every client received every acknowledged
 * event once and in order; the clients of the surviving nodes kept their one connection. Driven by the test
 * thread; what it starts is stopped after the test by its {@link FaultScenario}.
 *
 * @param name        the processes' name, e.g. the test class's
 * @param row         the fault report's row, e.g. {@code b}
 * @param clients     how many clients, spread evenly over the nodes
 * @param channel     the channel they all listen to
 * @param kind        what the messages call the clients and their connections: empty, or {@code "SSE "}
 * @param subscribers starts the clients
 * @param title       the report row's title, given how many clients the killed node held
 */
record WorkerKillRun(String name, String row, int clients, String channel, String kind, Subscribers subscribers,
                     IntFunction<String> title) {

    static final int NODES = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHORT_WAIT = Duration.ofSeconds(5);
    private static final Duration PUBLISH_PAUSE = Duration.ofMillis(10);

    /** Starts {@code count} clients of {@code channel} over {@code nodes}, each subscribed within {@code timeout}. */
    interface Subscribers {
        SubscriberGroup start(List<ServerNode> nodes, int count, String channel, Duration timeout);
    }

    void run(FaultScenario scenario) {
        long testStart = System.nanoTime();
        RedisServerProcess redis = scenario.keep(RedisServerProcess.start(name + "-redis"));
        Cluster cluster = scenario.keep(Cluster.start(name, NODES, redis));
        SubscriberGroup group = scenario.keep(subscribers.start(cluster.nodes(), clients, channel, START_TIMEOUT));
        ServerNode victim = cluster.node(2);
        SubscriberGroup orphans = group.on(victim.id());
        assertThat(orphans.size()).as(kind + "clients on %s", victim).isEqualTo(clients / NODES);
        StreamPublisher publisher = scenario.keep(StreamPublisher.start(channel, cluster.nodes(), NODES, PUBLISH_PAUSE));
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
        DeliveryTally tally = group.awaitDelivery(acknowledged, timeToRecover.isPresent() ? DELIVERY_TIMEOUT : SHORT_WAIT);
        FaultReport.record(new FaultReport.Scenario(row, title.apply(orphans.size()), publisher.published(),
                acknowledged.size(), tally, FaultReport.recovery(timeToRecover), Faults.since(testStart)));
        FaultReport.note(row, "(" + row + ") " + kind + "connections that ended: " + group.closes()
                + "; publishes not acknowledged: " + publisher.refusals());

        assertThat(notBack).as(kind + "clients of %s not resubscribed on another node", victim).isEmpty();
        assertThat(tally.lost()).as("acknowledged events lost: %s", tally).isZero();
        assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
        assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
        assertThat(tally.delivered()).isEqualTo((long) clients * acknowledged.size());
        assertThat(orphans.clients()).allSatisfy(client -> {
            ReconnectingClient.Subscribed resubscribed = client.subscribedReplies().get(client.subscribedReplies().size() - 1);
            assertThat(resubscribed.since()).as("%s resubscribed with since", client).isNotNull();
            assertThat(resubscribed.recovered()).as("%s: %s", client, resubscribed).isTrue();
        });
        assertThat(group.clients()).filteredOn(client -> !orphans.clients().contains(client))
                .as(kind + "clients of the surviving nodes").allSatisfy(client ->
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
    }
}
