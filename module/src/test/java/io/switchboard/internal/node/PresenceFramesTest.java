package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPEC v1.1 presence on one node: {@code presence} right after {@code subscribed} on a
 * {@code presence-*} channel, then {@code join} / {@code leave} for a user's first and last session.
 */
class PresenceFramesTest {
    private final NodeHarness harness = new NodeHarness(Map.of());
    private final List<ScriptedContainer> clients = new ArrayList<>();

    @AfterEach
    void stop() {
        harness.close();
    }

    private final class Client {
        final ScriptedContainer container = new ScriptedContainer("c" + clients.size());
        final Connection connection;

        Client(String user) {
            container.completeInline = true;
            clients.add(container);
            connection = harness.node.open(container.transport(), Identity.login(user));
        }

        void send(String frame) {
            connection.onText(frame);
        }

        /** The frames of presence and of the channel's subscription, as {@code op [details]}. */
        List<String> shown() {
            return container.written().stream()
                    .filter(frame -> List.of("subscribed", "unsubscribed", "presence", "join", "leave", "error")
                            .contains(frame.path("op").asText()))
                    .map(PresenceFramesTest::describe)
                    .toList();
        }

        void await(String frame) {
            Await.until(frame + " shown to " + container.transport().id(), () -> shown().contains(frame));
        }

        void closed() {
            harness.node.closed(connection);
        }
    }

    private static String describe(JsonNode frame) {
        String op = frame.path("op").asText();
        return switch (op) {
            case "presence" -> "presence " + frame.path("channel").asText() + " " + frame.path("members");
            case "join", "leave" -> op + " " + frame.path("user").asText();
            case "error" -> "error " + frame.path("code").asText();
            default -> op + " " + frame.path("channel").asText();
        };
    }

    private static String subscribe(String channel) {
        return "{\"op\":\"subscribe\",\"channel\":\"" + channel + "\"}";
    }

    @Test
    void aSubscriberGetsTheMembersRightAfterSubscribedAndFindsItselfThere() {
        Client alice = new Client("alice");

        alice.send(subscribe("presence-room"));

        alice.await("presence presence-room [\"alice\"]");
        assertThat(alice.shown()).containsExactly("subscribed presence-room", "presence presence-room [\"alice\"]");
    }

    @Test
    void aUserJoinsWithTheFirstSessionAndLeavesWithTheLast() {
        Client alice = new Client("alice");
        alice.send(subscribe("presence-room"));
        alice.await("presence presence-room [\"alice\"]");

        Client bobTab1 = new Client("bob");
        bobTab1.send(subscribe("presence-room"));
        alice.await("join bob");
        bobTab1.await("presence presence-room [\"alice\",\"bob\"]");
        Client bobTab2 = new Client("bob");
        bobTab2.send(subscribe("presence-room"));
        bobTab2.await("presence presence-room [\"alice\",\"bob\"]");

        bobTab1.send("{\"op\":\"unsubscribe\",\"channel\":\"presence-room\"}");
        bobTab1.await("unsubscribed presence-room");
        bobTab2.closed();
        alice.await("leave bob");

        assertThat(alice.shown()).containsExactly("subscribed presence-room", "presence presence-room [\"alice\"]",
                "join bob", "leave bob");
        assertThat(bobTab1.shown()).as("nothing after unsubscribing").containsExactly("subscribed presence-room",
                "presence presence-room [\"alice\",\"bob\"]", "unsubscribed presence-room");
    }

    @Test
    void subscribingAgainSendsAFreshSnapshotAndIsNoLeaveAndJoinForTheOthers() {
        Client bob = new Client("bob");
        bob.send(subscribe("presence-room"));
        bob.await("presence presence-room [\"bob\"]"); // before alice comes: bob's list is his alone
        Client alice = new Client("alice");
        alice.send(subscribe("presence-room"));
        alice.await("presence presence-room [\"alice\",\"bob\"]");

        alice.send(subscribe("presence-room"));
        Await.until("a second snapshot", () -> alice.shown().stream().filter(f -> f.startsWith("presence")).count() == 2);
        Client carol = new Client("carol"); // a change after the re-subscribe: anything it caused came before
        carol.send(subscribe("presence-room"));
        bob.await("join carol");

        assertThat(alice.shown()).startsWith("subscribed presence-room", "presence presence-room [\"alice\",\"bob\"]",
                "subscribed presence-room", "presence presence-room [\"alice\",\"bob\"]");
        assertThat(bob.shown()).containsExactly("subscribed presence-room", "presence presence-room [\"bob\"]",
                "join alice", "join carol");
    }

    @Test
    void otherChannelsGetNoMembers() {
        Client alice = new Client("alice");
        alice.send(subscribe("private-alice"));
        alice.send(subscribe("news"));

        alice.await("subscribed news");
        alice.await("subscribed private-alice");
        assertThat(alice.shown()).noneMatch(frame -> frame.startsWith("presence"));
    }

    @Test
    void theMembersMatchTheHttpApisListAfterUsersComeAndGo() throws Exception {
        Client watcher = new Client("watcher");
        watcher.send(subscribe("presence-room"));
        watcher.await("presence presence-room [\"watcher\"]");
        List<Client> others = new ArrayList<>();
        for (String user : List.of("u1", "u2", "u3", "u1")) {
            Client other = new Client(user);
            other.send(subscribe("presence-room"));
            others.add(other);
        }
        others.get(0).closed();
        others.get(1).closed();

        watcher.await("leave u2");
        Client late = new Client("late");
        late.send(subscribe("presence-room"));
        late.await("presence presence-room [\"late\",\"u1\",\"u3\",\"watcher\"]");
        watcher.await("join late");
        assertThat(harness.node.reader().members(io.switchboard.internal.protocol.Topic.channel("presence-room"))
                .toCompletableFuture().get()).containsExactly("late", "u1", "u3", "watcher");
        assertThat(watcher.shown()).containsExactly("subscribed presence-room", "presence presence-room [\"watcher\"]",
                "join u1", "join u2", "join u3", "leave u2", "join late");
    }
}
