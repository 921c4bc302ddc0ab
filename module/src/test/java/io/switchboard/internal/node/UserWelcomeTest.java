package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.BusUnavailableException;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionIds;
import io.switchboard.internal.testing.GatedSubscribeBus;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's {@code welcome} is a promise: from then on the user's events reach the session. So it
 * waits for the node's bus subscription of the user's topic, which on Redis is a round trip, and
 * whatever the client asks meanwhile is answered after it.
 */
class UserWelcomeTest {
    private final SwitchboardConfig config = SwitchboardConfig.load(
            new ConfigSource(Map.of("switchboard.node-id", "unit")::get, key -> null, Map.of()));
    private final GatedSubscribeBus bus = new GatedSubscribeBus(new LocalBus(config.historySize(), config.historyTtl()));
    private final SwitchboardNode node = new SwitchboardNode(config, bus);

    UserWelcomeTest() {
        node.start();
    }

    @AfterEach
    void stop() {
        node.stop();
    }

    private ScriptedContainer connect(String user) {
        ScriptedContainer container = new ScriptedContainer(SessionIds.next(config.nodeId()));
        container.readEverything();
        node.open(container.transport(), user == null ? Identity.anonymous() : Identity.login(user));
        return container;
    }

    private static List<String> ops(ScriptedContainer container) {
        return container.written().stream().map(frame -> frame.path("op").asText()).toList();
    }

    @Test
    void aUsersWelcomeWaitsForItsTopicAndEveryFrameAskedForMeanwhileFollowsIt() throws Exception {
        ScriptedContainer alice = new ScriptedContainer(SessionIds.next(config.nodeId()));
        alice.readEverything();
        Connection connection = node.open(alice.transport(), Identity.login("alice"));
        connection.onText("{\"op\":\"ping\",\"id\":1}");
        assertThat(alice.written()).as("nothing, not even the pong, before the user's topic is live").isEmpty();

        bus.open(Topic.user("alice"));

        Await.until("welcome and pong", () -> ops(alice).size() == 2);
        assertThat(ops(alice)).containsExactly("welcome", "pong");
        node.api().toUser("alice").publish("note", Map.of("text", "hello")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Await.until("the user's event", () -> !ofOp(alice.written(), "event").isEmpty());
        JsonNode event = ofOp(alice.written(), "event").get(0);
        assertThat(event.path("channel").asText()).isEqualTo("@user");
        assertThat(event.path("data").path("text").asText()).isEqualTo("hello");
    }

    @Test
    void anEventForTheUserPublishedAsSoonAsTheClientIsWelcomedReachesIt() throws Exception {
        ScriptedContainer alice = connect("alice");
        bus.open(Topic.user("alice"));
        Await.until("welcome", () -> ops(alice).contains("welcome"));

        node.api().toUser("alice").publish("note", Map.of("n", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);

        Await.until("the user's event", () -> ops(alice).contains("event"));
        assertThat(ops(alice)).containsExactly("welcome", "event");
    }

    @Test
    void aSecondSessionOfAUserWhoseTopicIsLiveIsWelcomedAtOnce() {
        ScriptedContainer first = connect("alice");
        bus.open(Topic.user("alice"));
        Await.until("the first welcome", () -> ops(first).contains("welcome"));

        ScriptedContainer second = connect("alice");

        Await.until("the second welcome", () -> ops(second).contains("welcome"));
        assertThat(ops(second)).containsExactly("welcome");
    }

    @Test
    void anAnonymousClientIsWelcomedWithoutWaitingForTheBus() {
        ScriptedContainer anonymous = connect(null);

        assertThat(ops(anonymous)).as("sent on the opening thread").containsExactly("welcome");
    }

    @Test
    void aUserIsStillWelcomedWhenTheBusCannotSubscribeItsTopic() {
        ScriptedContainer alice = connect("alice");

        bus.fail(Topic.user("alice"), new BusUnavailableException("Redis is down", null));

        Await.until("welcome", () -> ops(alice).contains("welcome"));
        assertThat(ops(alice)).containsExactly("welcome");
    }
}
