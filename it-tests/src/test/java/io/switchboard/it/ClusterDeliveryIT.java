package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Markers;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three worker JVMs on one real redis-server: events published on any node reach every subscriber on
 * every node, once and in order; user events reach all of a user's sessions; and a node only listens
 * on Redis for channels it has subscribers for.
 */
class ClusterDeliveryIT {

    private static final int NODES = 3;
    private static final int CLIENTS = 30;
    private static final int EVENTS = 200;
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REDIS_STATE_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(NODES);

    @Test
    void everySubscriberOnEveryNodeReceivesEveryEventOnceWithContiguousOffsetsInPublishOrder() throws Exception {
        String channel = uniqueChannel("delivery");
        List<WsClient> subscribers = new ArrayList<>();
        Map<WsClient, Offset> subscribedAt = new HashMap<>();
        for (int i = 0; i < CLIENTS; i++) {
            WsClient client = cluster.connect(i % NODES + 1);
            subscribedAt.put(client, Offset.parse(client.subscribe(channel).path("offset").asText()));
            subscribers.add(client);
        }
        assertThat(subscribers).extracting(WsClient::node).containsOnly("node-1", "node-2", "node-3");

        // Round robin over the nodes: event n goes through node (n % 3) + 1. One publisher per node, each
        // in order, the three concurrently: offsets are allocated across nodes at the same time.
        Map<Integer, String> offsetOfN = publishRoundRobin(channel, EVENTS);
        String fence = UUID.randomUUID().toString();
        cluster.node(1).api().publishAccepted(channel, "fence", Map.of("fence", fence));

        for (WsClient client : subscribers) {
            client.awaitFrame(frame -> fence.equals(frame.path("data").path("fence").asText()), DELIVERY_TIMEOUT);
            List<JsonNode> events = client.events(channel);
            List<JsonNode> ticks = events.stream().filter(e -> "tick".equals(e.path("event").asText())).collect(Collectors.toList());

            assertThat(ticks).as("tick events received by %s", client).hasSize(EVENTS);
            assertThat(ticks).extracting(e -> e.path("data").path("n").asInt())
                    .as("n values received by %s", client).doesNotHaveDuplicates();
            assertThat(events).as("events of %s: the %d ticks, then the fence", client).hasSize(EVENTS + 1);

            Offset first = subscribedAt.get(client);
            List<Offset> offsets = events.stream().map(e -> Offset.parse(e.path("offset").asText())).collect(Collectors.toList());
            // A channel nobody published to yet answers a marker (<time>NONE-0): the first event begins the epoch.
            String epoch = first.seq() == 0 && first.epoch().endsWith("NONE") ? offsets.get(0).epoch() : first.epoch();
            for (int i = 0; i < offsets.size(); i++) {
                assertThat(offsets.get(i)).as("offset of event %d received by %s", i, client)
                        .isEqualTo(new Offset(epoch, first.seq() + 1 + i));
            }
            for (JsonNode tick : ticks) {
                assertThat(tick.path("offset").asText()).as("offset of n=%s as answered by the API", tick.path("data").path("n"))
                        .isEqualTo(offsetOfN.get(tick.path("data").path("n").asInt()));
            }
            for (ServerNode origin : cluster.nodes()) {
                List<Integer> fromOrigin = ticks.stream()
                        .filter(e -> origin.id().equals(e.path("data").path("origin").asText()))
                        .map(e -> e.path("data").path("n").asInt())
                        .collect(Collectors.toList());
                assertThat(fromOrigin).as("n values published via %s, as received by %s", origin.id(), client)
                        .hasSize(expectedCountFrom(origin))
                        .isSorted();
            }
        }
    }

    @Test
    void largeEventPublishedOnOneNodeArrivesWholeOnEveryOtherNode() {
        String channel = uniqueChannel("large");
        WsClient onNode2 = cluster.subscriber(2, channel);
        WsClient onNode3 = cluster.subscriber(3, channel);
        // Close to the 64 KiB data limit: the JDK client receives such a message in several parts.
        String text = "0123456789abcdef".repeat(60 * 1024 / 16);

        cluster.node(1).api().publishAccepted(channel, "large", Map.of("text", text));

        for (WsClient client : List.of(onNode2, onNode3)) {
            JsonNode event = client.awaitEvents(channel, 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("data").path("text").asText()).as("data received by %s", client).isEqualTo(text);
        }
    }

    @Test
    void userEventReachesEverySessionOfThatUserOnEveryNodeAndNoOtherSession() {
        WsClient aliceOnNode1 = cluster.connect(1, "alice");
        WsClient aliceOnNode2 = cluster.connect(2, "alice");
        WsClient bobOnNode1 = cluster.connect(1, "bob");
        WsClient anonymousOnNode2 = cluster.connect(2);
        assertThat(List.of(aliceOnNode1.user(), aliceOnNode2.user(), bobOnNode1.user())).containsExactly("alice", "alice", "bob");
        assertThat(anonymousOnNode2.user()).isNull();

        String note = UUID.randomUUID().toString();
        var response = cluster.node(3).api().publishToUser("alice", "note", Map.of("text", note));
        assertThat(response.status()).as("user publish answer %s", response).isEqualTo(202);
        assertThat(response.json().path("user").asText()).isEqualTo("alice");

        for (WsClient alice : List.of(aliceOnNode1, aliceOnNode2)) {
            JsonNode event = alice.awaitFrame(frame -> note.equals(frame.path("data").path("text").asText()), DELIVERY_TIMEOUT);
            assertThat(event.path("op").asText()).isEqualTo("event");
            assertThat(event.path("channel").asText()).isEqualTo("@user");
            assertThat(event.path("event").asText()).isEqualTo("note");
            assertThat(alice.events("@user")).as("user events of %s", alice).hasSize(1);
        }

        // A user event for bob, published after alice's, fences what bob's and the anonymous session saw.
        String bobsNote = UUID.randomUUID().toString();
        assertThat(cluster.node(2).api().publishToUser("bob", "note", Map.of("text", bobsNote)).status()).isEqualTo(202);
        bobOnNode1.awaitFrame(frame -> bobsNote.equals(frame.path("data").path("text").asText()), DELIVERY_TIMEOUT);
        assertThat(bobOnNode1.events("@user")).extracting(e -> e.path("data").path("text").asText()).containsExactly(bobsNote);
        assertThat(aliceOnNode1.events("@user")).extracting(e -> e.path("data").path("text").asText()).containsExactly(note);
        assertThat(anonymousOnNode2.frames()).extracting(f -> f.path("op").asText()).doesNotContain("event");
    }

    @Test
    void nodeHoldsRedisSubscriptionOfChannelOnlyWhileItHasLocalSubscribers() {
        String channel = uniqueChannel("interest");
        String topic = "switchboard:ch:" + channel;
        assertThat(cluster.redis().subscriberCount(topic)).as("subscribers of %s before any client", topic).isZero();

        WsClient firstOnNode1 = cluster.subscriber(1, channel);
        WsClient secondOnNode1 = cluster.subscriber(1, channel);
        WsClient onNode2 = cluster.subscriber(2, channel);
        WsClient unsubscribedOnNode3 = cluster.connect(3);

        awaitRedisSubscribers(topic, 2);
        assertThat(cluster.redis().subscribedChannels("switchboard:ch:*")).contains(topic);

        // Publishing through the node without subscribers reaches the others all the same.
        Markers.publishAndAwait(cluster.node(3), channel, "ping", List.of(firstOnNode1, secondOnNode1, onNode2), DELIVERY_TIMEOUT);
        assertThat(unsubscribedOnNode3.events(channel)).isEmpty();

        firstOnNode1.unsubscribe(channel);
        Markers.publishAndAwait(cluster.node(3), channel, "ping", List.of(secondOnNode1), DELIVERY_TIMEOUT);
        assertThat(cluster.redis().subscriberCount(topic)).as("node 1 still has a subscriber").isEqualTo(2);
        secondOnNode1.close();
        awaitRedisSubscribers(topic, 1);
        onNode2.unsubscribe(channel);
        awaitRedisSubscribers(topic, 0);
        assertThat(cluster.redis().subscribedChannels("switchboard:ch:*")).doesNotContain(topic);
    }

    @Test
    void userTopicIsSubscribedOnlyByNodesWithSessionsOfThatUser() {
        String user = "carol-" + Long.toHexString(System.nanoTime());
        String topic = "switchboard:u:" + user;
        WsClient onNode1 = cluster.connect(1, user);
        WsClient onNode3 = cluster.connect(3, user);

        awaitRedisSubscribers(topic, 2);

        onNode1.close();
        awaitRedisSubscribers(topic, 1);
        onNode3.close();
        awaitRedisSubscribers(topic, 0);
    }

    private Map<Integer, String> publishRoundRobin(String channel, int events) throws Exception {
        ExecutorService publishers = Executors.newFixedThreadPool(NODES);
        try {
            List<CompletableFuture<Map<Integer, String>>> perNode = new ArrayList<>();
            for (ServerNode node : cluster.nodes()) {
                int first = Integer.parseInt(node.id().substring("node-".length())) - 1;
                perNode.add(CompletableFuture.supplyAsync(() -> {
                    Map<Integer, String> offsets = new HashMap<>();
                    for (int n = first; n < events; n += NODES) {
                        offsets.put(n, node.api().publishAccepted(channel, "tick", Map.of("n", n, "origin", node.id())));
                    }
                    return offsets;
                }, publishers));
            }
            Map<Integer, String> offsetOfN = new HashMap<>();
            for (CompletableFuture<Map<Integer, String>> published : perNode) {
                offsetOfN.putAll(published.get());
            }
            assertThat(offsetOfN.values()).as("offsets answered by the API").doesNotHaveDuplicates().hasSize(events);
            return offsetOfN;
        } finally {
            publishers.shutdownNow();
        }
    }

    private int expectedCountFrom(ServerNode origin) {
        int first = Integer.parseInt(origin.id().substring("node-".length())) - 1;
        return (EVENTS - first + NODES - 1) / NODES;
    }

    private void awaitRedisSubscribers(String topic, long expected) {
        Await.until("PUBSUB NUMSUB " + topic + " = " + expected, REDIS_STATE_TIMEOUT,
                () -> cluster.redis().subscriberCount(topic), count -> count == expected);
    }

    private static String uniqueChannel(String prefix) {
        return prefix + "." + Long.toHexString(System.nanoTime());
    }
}
