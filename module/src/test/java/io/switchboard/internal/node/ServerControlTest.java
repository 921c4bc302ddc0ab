package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.NoSuchSessionException;
import io.switchboard.api.SessionInfo;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionIds;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Server-side control on one node (the in-process bus, where this node is the whole cluster): the
 * node-side handlers ({@link SessionControl}) reached the way every node reaches them, through
 * cluster calls from {@link ClusterControl}, and the Java API's mapping of their outcomes.
 */
class ServerControlTest {
    private final NodeHarness harness = new NodeHarness(Map.of(
            "switchboard.node-id", "unit", "switchboard.max-subscriptions", "2"));
    private final Switchboard api = harness.node.api();

    @AfterEach
    void stop() {
        harness.close();
    }

    private record Client(ScriptedContainer container, Connection connection) {
        List<JsonNode> frames() {
            return container.written();
        }

        String id() {
            return connection.session().id();
        }
    }

    private Client connect(String user) {
        ScriptedContainer container = new ScriptedContainer(SessionIds.next(harness.config.nodeId()));
        container.readEverything();
        Identity identity = user == null ? Identity.anonymous() : Identity.login(user);
        Client client = new Client(container, harness.node.open(container.transport(), identity));
        container.awaitWelcome();
        return client;
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static boolean hasFrame(Client client, String op, String channel) {
        return client.frames().stream().anyMatch(frame -> op.equals(frame.path("op").asText())
                && channel.equals(frame.path("channel").asText()));
    }

    @Test
    void aServerSideSubscribeSubscribesEverySessionOfTheUserAsIfEachHadAsked() throws Exception {
        Client alice1 = connect("alice");
        Client alice2 = connect("alice");
        Client bob = connect("bob");

        await(api.toUser("alice").subscribe("news"));
        for (Client alice : List.of(alice1, alice2)) {
            Await.until("subscribed on " + alice.id(), () -> hasFrame(alice, "subscribed", "news"));
            JsonNode subscribed = ofOp(alice.frames(), "subscribed").get(0);
            assertThat(subscribed.has("id")).as("unasked: no request id").isFalse();
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
        }
        await(api.publish("news", "headline", Map.of("n", 1)));

        for (Client alice : List.of(alice1, alice2)) {
            Await.until("the event on " + alice.id(), () -> hasFrame(alice, "event", "news"));
            assertThat(alice.connection().channels()).containsExactly("news");
        }
        assertThat(bob.frames()).extracting(frame -> frame.path("op").asText()).containsExactly("welcome");
    }

    @Test
    void aServerSideSubscribeWithSinceReplaysTheEventsAfterItBeforeSubscribed() throws Exception {
        String first = await(api.publish("log", "line", 1));
        await(api.publish("log", "line", 2));
        await(api.publish("log", "line", 3));
        Client alice = connect("alice");

        await(api.toUser("alice").subscribe("log", first));

        Await.until("subscribed", () -> hasFrame(alice, "subscribed", "log"));
        List<JsonNode> frames = alice.frames();
        assertThat(ofOp(frames, "event")).extracting(frame -> frame.path("data").asInt()).containsExactly(2, 3);
        JsonNode subscribed = ofOp(frames, "subscribed").get(0);
        assertThat(frames.indexOf(subscribed)).isGreaterThan(frames.indexOf(ofOp(frames, "event").get(1)));
        assertThat(subscribed.path("recovered").asBoolean()).isTrue();
    }

    @Test
    void aSessionAtItsSubscriptionLimitRefusesAndIsReportedWhileTheOthersSubscribe() throws Exception {
        Client full = connect("alice");
        Client roomy = connect("alice");
        full.connection().onText("{\"op\":\"subscribe\",\"channel\":\"a\",\"id\":1}");
        full.connection().onText("{\"op\":\"subscribe\",\"channel\":\"b\",\"id\":2}");
        Await.until("two subscriptions", () -> ofOp(full.frames(), "subscribed").size() == 2);

        ClusterControl.Outcome outcome = await(harness.node.control().subscribe("alice", "c", null));

        assertThat(outcome.sessions()).isEqualTo(1);
        assertThat(outcome.refused()).singleElement().satisfies(refused -> {
            assertThat(refused.session()).isEqualTo(full.id());
            assertThat(refused.node()).isEqualTo("unit");
            assertThat(refused.code()).isEqualTo("too_large");
        });
        Await.until("the other session subscribed", () -> hasFrame(roomy, "subscribed", "c"));
        assertThat(full.connection().channels()).containsExactly("a", "b");
        assertThat(ofOp(full.frames(), "error")).as("the client did not ask: it is told nothing").isEmpty();
    }

    @Test
    void aServerSideUnsubscribeAnswersUnsubscribedAndStopsTheEvents() throws Exception {
        Client alice = connect("alice");
        Client bob = connect("bob"); // still subscribed: when the event reached bob, it would have reached alice
        for (Client client : List.of(alice, bob)) {
            client.connection().onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
            Await.until("subscribed", () -> hasFrame(client, "subscribed", "news"));
        }

        ClusterControl.Outcome outcome = await(harness.node.control().unsubscribe("alice", "news"));
        await(api.publish("news", "late", 1));

        assertThat(outcome.sessions()).isEqualTo(1);
        Await.until("the event on bob's session", () -> hasFrame(bob, "event", "news"));
        assertThat(ofOp(alice.frames(), "unsubscribed")).singleElement()
                .satisfies(frame -> assertThat(frame.has("id")).isFalse());
        assertThat(ofOp(alice.frames(), "event")).isEmpty();
        assertThat(alice.connection().channels()).isEmpty();
    }

    @Test
    void disconnectClosesEverySessionOfTheUserWith4403AndTheReasonAndNoOtherSession() throws Exception {
        Client alice1 = connect("alice");
        Client alice2 = connect("alice");
        Client bob = connect("bob");

        int closed = await(api.toUser("alice").disconnect("banned for spam"));

        assertThat(closed).isEqualTo(2);
        for (Client alice : List.of(alice1, alice2)) {
            Await.until("closed " + alice.id(), () -> alice.container().closedWith != null);
            assertThat(alice.container().closedWith.getCloseCode().getCode()).isEqualTo(4403);
            assertThat(alice.container().closedWith.getReasonPhrase()).isEqualTo("banned for spam");
        }
        assertThat(bob.container().closedWith).isNull();
        assertThat(await(api.toUser("alice").sessions())).as("closing sessions are no longer listed").isEmpty();
        assertThat(await(api.toUser("carol").disconnect(null))).as("a user with no session").isZero();
    }

    @Test
    void aLongReasonIsCutToWhatACloseFrameCarries() throws Exception {
        Client alice = connect("alice");
        await(api.toUser("alice").disconnect("é".repeat(100)));
        Await.until("closed", () -> alice.container().closedWith != null);
        assertThat(alice.container().closedWith.getReasonPhrase()).isEqualTo("é".repeat(61)); // 122 of 123 bytes
    }

    @Test
    void sessionsListsEachSessionOfTheUserWithItsNodeTransportChannelsAndStart() throws Exception {
        Instant before = Instant.now();
        Client alice1 = connect("alice");
        Client alice2 = connect("alice");
        connect("bob");
        alice2.connection().onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
        Await.until("subscribed", () -> hasFrame(alice2, "subscribed", "news"));

        List<SessionInfo> sessions = await(api.toUser("alice").sessions());

        assertThat(sessions).extracting(SessionInfo::session).containsExactlyInAnyOrder(alice1.id(), alice2.id());
        assertThat(sessions).allSatisfy(info -> {
            assertThat(info.node()).isEqualTo("unit");
            assertThat(info.transport()).isEqualTo("websocket");
            assertThat(info.since()).isBetween(before, Instant.now());
        });
        assertThat(sessions).filteredOn(info -> info.session().equals(alice2.id()))
                .singleElement().satisfies(info -> assertThat(info.channels()).containsExactly("news"));
        assertThat(await(api.toUser("nobody").sessions())).isEmpty();
    }

    @Test
    void closedSessionsLeaveTheIndexOfUsers() throws Exception {
        Client alice1 = connect("alice");
        Client alice2 = connect("alice");
        connect(null);
        assertThat(harness.node.connections().usersIndexed()).isEqualTo(1);

        harness.node.closed(alice1.connection());
        assertThat(await(api.toUser("alice").sessions())).extracting(SessionInfo::session).containsExactly(alice2.id());
        harness.node.closed(alice2.connection());

        assertThat(harness.node.connections().usersIndexed()).isZero();
        assertThat(await(api.toUser("alice").sessions())).isEmpty();
    }

    @Test
    void aServerSideSubscribeOfAClosedConnectionIsRefusedAndRegistersNothing() {
        Client alice = connect("alice");
        alice.connection().closed();

        assertThatThrownBy(() -> alice.connection().subscribeByServer("news", Optional.empty()))
                .isInstanceOf(Refusal.class).extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(harness.node.figures().get("subscriptions")).isEqualTo(0);
    }

    @Test
    void anEventToOneSessionReachesThatSessionOnlyOnTheSessionChannelWithoutOffset() throws Exception {
        Client alice1 = connect("alice");
        Client alice2 = connect("alice");

        await(api.toSession(alice1.id()).publish("nudge", Map.of("text", "hi")));

        Await.until("the session event", () -> hasFrame(alice1, "event", "@session"));
        JsonNode event = ofOp(alice1.frames(), "event").get(0);
        assertThat(event.path("event").asText()).isEqualTo("nudge");
        assertThat(event.path("data").path("text").asText()).isEqualTo("hi");
        assertThat(event.has("offset")).isFalse();
        assertThat(ofOp(alice2.frames(), "event")).isEmpty();
    }

    @Test
    void anEventToASessionNoNodeHoldsFailsWithNoSuchSession() {
        Client alice = connect("alice");
        String id = alice.id();
        harness.node.closed(alice.connection());

        for (String unknown : List.of(id, "not-a-session-id")) {
            assertThatThrownBy(() -> await(api.toSession(unknown).publish("nudge", 1)))
                    .as(unknown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(NoSuchSessionException.class);
        }
    }

    @Test
    void badArgumentsAreIllegalArgumentsAndAskNoNode() {
        assertThatThrownBy(() -> api.toUser("alice").subscribe("@user")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.toUser("alice").subscribe("no spaces")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.toUser("alice").subscribe("news", "not-an-offset"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("since");
        assertThatThrownBy(() -> api.toUser("alice").unsubscribe("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.toSession("unit.x").publish("", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.toSession("unit.x").publish("e", "x".repeat(70_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over");
    }
}
