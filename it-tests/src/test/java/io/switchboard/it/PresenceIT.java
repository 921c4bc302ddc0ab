package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC v1.1 presence across three worker JVMs on one real redis-server: after {@code subscribed} on a
 * {@code presence-*} channel a client gets the members ({@code presence}), then {@code join} for a user's
 * first session anywhere in the cluster and {@code leave} for their last; every subscriber on every node
 * sees the same changes in the same order, and a SIGKILLed node's users leave within 30 s. Users are
 * identified by client tokens; each test uses channels of its own.
 */
class PresenceIT {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceIT.class);
    private static final int NODES = 3;
    /** SPEC v1.1: a crashed node's members leave within this. */
    private static final Duration CRASHED_MEMBERS_LEAVE_WITHIN = Duration.ofSeconds(30);
    private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(15);

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(NODES);

    // ---- helpers ------------------------------------------------------------------------------

    private static String uniqueChannel(String name) {
        return "presence-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A session of {@code user} on node {@code node} (1-based). */
    private WsClient session(String user, int node) {
        WsClient client = cluster.connect(node, user);
        assertThat(client.user()).isEqualTo(user);
        return client;
    }

    /** A session of {@code user} on node {@code node} that joined {@code channel} (see {@link #join}). */
    private WsClient member(String user, int node, String channel) {
        WsClient client = session(user, node);
        join(client, channel);
        return client;
    }

    /** Subscribes and waits for the {@code presence} frame that follows {@code subscribed}; returns its members. */
    private static List<String> join(WsClient client, String channel) {
        int mark = client.mark();
        client.subscribe(channel);
        JsonNode presence = client.awaitFrameAfter(mark, frame -> "presence".equals(frame.path("op").asText())
                && channel.equals(frame.path("channel").asText()), FRAME_TIMEOUT);
        List<JsonNode> frames = client.frames();
        List<JsonNode> sinceSubscribe = frames.subList(mark, frames.size());
        assertThat(sinceSubscribe.stream().map(frame -> frame.path("op").asText()).filter(op -> !op.equals("event")))
                .as("subscribed comes first, then the members").startsWith("subscribed", "presence");
        List<String> members = new ArrayList<>();
        presence.path("members").forEach(member -> members.add(member.asText()));
        return members;
    }

    /** The {@code join}/{@code leave} frames of {@code channel} a client received after {@code mark}, as {@code "join alice"}. */
    private static List<String> changes(WsClient client, String channel, int mark) {
        List<JsonNode> frames = client.frames();
        return frames.subList(mark, frames.size()).stream()
                .filter(frame -> channel.equals(frame.path("channel").asText()))
                .filter(frame -> "join".equals(frame.path("op").asText()) || "leave".equals(frame.path("op").asText()))
                .map(frame -> frame.path("op").asText() + " " + frame.path("user").asText())
                .toList();
    }

    /** The members a client holds after its snapshot and the changes after it, as client.js keeps them. */
    private static TreeSet<String> membersSeenBy(WsClient client, String channel) {
        TreeSet<String> members = new TreeSet<>();
        for (JsonNode frame : client.frames()) {
            if (!channel.equals(frame.path("channel").asText())) {
                continue;
            }
            switch (frame.path("op").asText()) {
                case "presence" -> {
                    members.clear();
                    frame.path("members").forEach(member -> members.add(member.asText()));
                }
                case "join" -> members.add(frame.path("user").asText());
                case "leave" -> members.remove(frame.path("user").asText());
                default -> { }
            }
        }
        return members;
    }

    /** Waits until every watcher has seen {@code change} after its mark. */
    private static void awaitEverywhere(Map<WsClient, Integer> watchers, String channel, String change) {
        watchers.forEach((watcher, mark) -> Await.until(change + " seen by " + watcher, FRAME_TIMEOUT,
                () -> changes(watcher, channel, mark).contains(change)));
    }

    /** One watcher per node, each subscribed and having seen the others join; mapped to the frame count then. */
    private Map<WsClient, Integer> watchersOnEveryNode(String channel) {
        Map<WsClient, Integer> watchers = new LinkedHashMap<>();
        List<WsClient> all = new ArrayList<>();
        for (int node = 1; node <= NODES; node++) {
            WsClient watcher = member("watcher-" + node, node, channel);
            all.add(watcher);
        }
        // Everyone sees the last watcher: every earlier change has reached them all too.
        for (WsClient watcher : all) {
            Await.until("watcher-" + NODES + " seen by " + watcher, FRAME_TIMEOUT,
                    () -> membersSeenBy(watcher, channel).contains("watcher-" + NODES));
            watchers.put(watcher, watcher.mark());
        }
        return watchers;
    }

    private List<String> apiMembers(ServerNode node, String channel) {
        JsonNode answer = node.api().get("/switchboard/api/channels/" + channel + "/presence").json();
        List<String> members = new ArrayList<>();
        answer.path("members").forEach(member -> members.add(member.asText()));
        return members;
    }

    // ---- tests --------------------------------------------------------------------------------

    @Test
    void usersJoinAndLeaveAcrossNodesAndEverySubscriberOnEveryNodeSeesTheSameChanges() {
        String channel = uniqueChannel("room");
        Map<WsClient, Integer> watchers = watchersOnEveryNode(channel);

        WsClient alice = member("alice", 1, channel);
        awaitEverywhere(watchers, channel, "join alice");
        WsClient bob = session("bob", 2);
        assertThat(join(bob, channel)).as("bob's snapshot").containsExactly("alice", "bob", "watcher-1", "watcher-2", "watcher-3");
        awaitEverywhere(watchers, channel, "join bob");
        WsClient carol = member("carol", 3, channel);
        awaitEverywhere(watchers, channel, "join carol");
        alice.unsubscribe(channel);
        awaitEverywhere(watchers, channel, "leave alice");
        bob.close();
        awaitEverywhere(watchers, channel, "leave bob");

        List<String> expected = List.of("join alice", "join bob", "join carol", "leave alice", "leave bob");
        for (Map.Entry<WsClient, Integer> watcher : watchers.entrySet()) {
            assertThat(changes(watcher.getKey(), channel, watcher.getValue()))
                    .as("changes seen by %s", watcher.getKey()).containsExactlyElementsOf(expected);
        }
        // carol is no watcher: that the watchers saw bob leave says nothing of when her own socket does
        Await.until("leave bob seen by carol", FRAME_TIMEOUT, () -> changes(carol, channel, 0).contains("leave bob"));
        assertThat(changes(carol, channel, 0)).as("carol saw the changes after her snapshot").containsExactly("leave alice", "leave bob");
    }

    @Test
    void twoSessionsOfOneUserOnTwoNodesGiveOneJoinWhenTheFirstSubscribesAndOneLeaveWhenTheLastLeaves() {
        String channel = uniqueChannel("tabs");
        Map<WsClient, Integer> watchers = watchersOnEveryNode(channel);

        WsClient onNode1 = member("dana", 1, channel);
        awaitEverywhere(watchers, channel, "join dana");
        WsClient onNode2 = session("dana", 2);
        assertThat(join(onNode2, channel)).contains("dana");
        onNode1.unsubscribe(channel); // dana is still there, on node 2
        // A change after it, to know that anything the unsubscribe caused would have arrived by now.
        WsClient marker = member("marker", 3, channel);
        awaitEverywhere(watchers, channel, "join marker");
        onNode2.close();
        awaitEverywhere(watchers, channel, "leave dana");

        for (Map.Entry<WsClient, Integer> watcher : watchers.entrySet()) {
            assertThat(changes(watcher.getKey(), channel, watcher.getValue())).as("changes seen by %s", watcher.getKey())
                    .containsExactly("join dana", "join marker", "leave dana");
        }
    }

    @Test
    void aLateSubscribersSnapshotOnEachNodeMatchesWhatTheOthersHoldAndTheHttpApi() {
        String channel = uniqueChannel("late");
        Map<WsClient, Integer> watchers = watchersOnEveryNode(channel);
        List<WsClient> churn = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            WsClient client = member("user-" + (i % 5), i % NODES + 1, channel); // users 0..3 twice, on different nodes
            churn.add(client);
        }
        // Sessions i hold user-(i % 5): user-0 (0, 5), user-1 (1, 6), user-2 (2, 7), user-3 (3, 8), user-4 (4).
        for (int i : List.of(0, 2, 4, 5, 7, 6)) {
            churn.get(i).close(); // user-0, user-2 and user-4 leave; user-1 keeps session 1, user-3 both
        }
        awaitEverywhere(watchers, channel, "leave user-4");
        awaitEverywhere(watchers, channel, "leave user-0");
        awaitEverywhere(watchers, channel, "leave user-2");

        List<String> expected = List.of("user-1", "user-3", "watcher-1", "watcher-2", "watcher-3");
        for (WsClient watcher : watchers.keySet()) {
            assertThat(membersSeenBy(watcher, channel)).as("members held by %s", watcher).containsExactlyElementsOf(expected);
        }
        for (int node = 1; node <= NODES; node++) {
            WsClient late = session("late-" + node, node);
            List<String> snapshot = join(late, channel);
            assertThat(snapshot).as("snapshot of a late subscriber on node %d", node).contains("late-" + node);
            assertThat(snapshot).as("snapshot of a late subscriber on node %d", node).containsAll(expected);
        }
        for (ServerNode node : cluster.nodes()) {
            assertThat(apiMembers(node, channel)).as("members by the HTTP API of %s", node.id())
                    .containsExactly("late-1", "late-2", "late-3", "user-1", "user-3", "watcher-1", "watcher-2", "watcher-3");
        }
    }

    @Test
    void theUsersOfASigkilledNodeLeaveWithin30SecondsAsSeenOnTheOtherNodes() {
        String channel = uniqueChannel("crash");
        try {
            WsClient watcher1 = member("watcher-1", 1, channel);
            WsClient watcher2 = member("watcher-2", 2, channel);
            WsClient erinOnNode1 = member("erin", 1, channel);
            WsClient frank = member("frank", 3, channel);
            WsClient erinOnNode3 = member("erin", 3, channel);
            Map<WsClient, Integer> watchers = new LinkedHashMap<>();
            for (WsClient watcher : List.of(watcher1, watcher2)) {
                Await.until("frank seen by " + watcher, FRAME_TIMEOUT, () -> membersSeenBy(watcher, channel).contains("frank"));
                watchers.put(watcher, watcher.mark());
            }

            cluster.node(3).kill();
            long killedAt = System.nanoTime();
            for (Map.Entry<WsClient, Integer> watcher : watchers.entrySet()) {
                Await.until("leave frank seen by " + watcher.getKey(), CRASHED_MEMBERS_LEAVE_WITHIN,
                        () -> changes(watcher.getKey(), channel, watcher.getValue()).contains("leave frank"));
            }
            Duration seen = Duration.ofNanos(System.nanoTime() - killedAt);
            LOG.info("The SIGKILLed node's user left {} ms after the kill, as seen on nodes 1 and 2", seen.toMillis());

            assertThat(seen).as("time from SIGKILL to the leave at both watchers").isLessThanOrEqualTo(CRASHED_MEMBERS_LEAVE_WITHIN);
            for (Map.Entry<WsClient, Integer> watcher : watchers.entrySet()) {
                assertThat(changes(watcher.getKey(), channel, watcher.getValue()))
                        .as("erin still has a session on node 1").containsExactly("leave frank");
            }
            WsClient late = session("late", 2);
            assertThat(join(late, channel)).containsExactly("erin", "late", "watcher-1", "watcher-2");
        } finally {
            cluster.replace(3); // the next test finds three nodes again
        }
    }
}
