package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.bus.PresenceWrite;
import io.switchboard.internal.core.Deliveries;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's view of a presence channel's members, on a real in-process bus: the snapshot, then
 * each change after it once, and a fresh snapshot when the line breaks.
 */
class PresenceSubscriptionTest {
    private static final String CHANNEL = "presence-room";
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final LocalBus bus = new LocalBus(1000, Duration.ofHours(1));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService interest = Executors.newSingleThreadExecutor();
    private final LocalTopics topics = new LocalTopics(bus, "node-1", 1000, new NodeStats(), timer, interest);
    private final ScriptedContainer client = new ScriptedContainer("s1");
    private final ClientSession session = new ClientSession(client.transport(), 1_000, Long.MAX_VALUE, Runnable::run);

    PresenceSubscriptionTest() {
        client.completeInline = true;
        topics.start();
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
        interest.shutdownNow();
        bus.close();
    }

    /** As another node's sessions would: the bus decides and publishes the change. */
    private void otherNode(String node, Set<String> users) throws Exception {
        bus.writePresence(PresenceWrite.full(CHANNEL, node, users, LEASE)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private List<String> shown() {
        return client.written().stream().map(PresenceSubscriptionTest::describe).toList();
    }

    private static String describe(JsonNode frame) {
        String op = frame.path("op").asText();
        return op.equals("presence") ? "presence " + frame.path("members") : op + " " + frame.path("user").asText();
    }

    private PresenceSubscription started() {
        PresenceSubscription subscription = new PresenceSubscription(CHANNEL, session, topics,
                CompletableFuture.completedFuture(null), 100);
        subscription.start();
        Await.until("the first snapshot", () -> !client.written().isEmpty());
        return subscription;
    }

    @Test
    void theSnapshotComesFirstThenEachChangeAfterIt() throws Exception {
        otherNode("node-2", Set.of("alice"));
        started();

        otherNode("node-2", Set.of("alice", "bob"));
        otherNode("node-3", Set.of("bob"));
        otherNode("node-2", Set.of());

        Await.until("alice's leave", () -> shown().contains("leave alice"));
        assertThat(shown()).containsExactly("presence [\"alice\"]", "join bob", "leave alice");
    }

    @Test
    void aChangeAlreadyInTheSnapshotIsNotShownAgain() throws Exception {
        otherNode("node-2", Set.of("alice"));
        PresenceSubscription subscription = started();
        BusMessage join = bus.history(Topic.presence(CHANNEL), Optional.of(Offset.marker(0)), 10)
                .toCompletableFuture().get().events().get(0);
        Delivery replayed = Deliveries.of(join).orElseThrow();

        subscription.deliver(replayed); // e.g. the dispatcher repairing a gap the snapshot covered

        assertThat(shown()).containsExactly("presence [\"alice\"]");
    }

    @Test
    void aBrokenLineIsFollowedByAFreshSnapshot() throws Exception {
        otherNode("node-2", Set.of("alice"));
        PresenceSubscription subscription = started();
        otherNode("node-2", Set.of("bob")); // shown: leave alice, join bob
        Await.until("bob's join", () -> shown().contains("join bob"));

        subscription.lost(new Offset(Offset.epochAt(System.currentTimeMillis(), "ZZZZ"), 0));

        Await.until("a second snapshot", () -> shown().stream().filter(f -> f.startsWith("presence")).count() == 2);
        otherNode("node-3", Set.of("carol"));
        Await.until("carol's join", () -> shown().contains("join carol"));
        assertThat(shown()).containsExactly("presence [\"alice\"]", "leave alice", "join bob", "presence [\"bob\"]",
                "join carol");
    }

    @Test
    void aCancelledViewShowsNothingMoreAndLetsGoOfTheTopic() throws Exception {
        PresenceSubscription subscription = started();
        assertThat(topics.topicCount()).isEqualTo(1);

        subscription.cancel();
        otherNode("node-2", Set.of("alice"));

        assertThat(topics.topicCount()).isZero();
        assertThat(shown()).containsExactly("presence []");
    }

    @Test
    void aViewCancelledBeforeItStartedNeverRegisters() {
        PresenceSubscription subscription = new PresenceSubscription(CHANNEL, session, topics,
                CompletableFuture.completedFuture(null), 100);
        subscription.cancel();
        subscription.start();

        assertThat(topics.topicCount()).isZero();
        assertThat(client.written()).isEmpty();
    }

    @Test
    void theSnapshotWaitsForTheSubscribersOwnJoin() throws Exception {
        CompletableFuture<Void> ownJoin = new CompletableFuture<>();
        PresenceSubscription subscription = new PresenceSubscription(CHANNEL, session, topics, ownJoin, 100);
        subscription.start();
        otherNode("node-1", Set.of("alice")); // this node's write of the subscriber's join

        assertThat(client.written()).as("nothing before the own join is written").isEmpty();
        ownJoin.complete(null);

        Await.until("the snapshot", () -> !client.written().isEmpty());
        assertThat(shown()).containsExactly("presence [\"alice\"]");
    }
}
