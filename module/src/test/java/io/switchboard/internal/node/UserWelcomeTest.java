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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user's {@code welcome} is a promise: from then on the user's events reach the session. So the
 * opening thread waits for the node's bus subscription of the user's topic (on Redis, a round trip)
 * before it writes {@code welcome}, and writes it itself.
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

    private static ScriptedContainer reading() {
        ScriptedContainer container = new ScriptedContainer(SessionIds.next("unit"));
        container.readEverything();
        return container;
    }

    /**
     * Opens a user's connection on a thread of its own, as the container would (opening waits for
     * the user's topic), lets the topic go live, and waits until opening has returned.
     */
    private ScriptedContainer connectOnceTopicLive(String user) throws Exception {
        ScriptedContainer container = reading();
        CompletableFuture<Connection> opening =
                CompletableFuture.supplyAsync(() -> node.open(container.transport(), Identity.login(user)));
        bus.open(Topic.user(user));
        opening.get(10, TimeUnit.SECONDS);
        return container;
    }

    private ScriptedContainer connect(String user) {
        ScriptedContainer container = reading();
        node.open(container.transport(), user == null ? Identity.anonymous() : Identity.login(user));
        return container;
    }

    private static List<String> ops(ScriptedContainer container) {
        return container.written().stream().map(frame -> frame.path("op").asText()).toList();
    }

    @Test
    void aUsersWelcomeWaitsForItsTopicAndIsWrittenByTheOpeningThread() throws Exception {
        ScriptedContainer alice = reading();
        AtomicReference<String> firstWriter = new AtomicReference<>();
        alice.duringSend = () -> firstWriter.compareAndSet(null, Thread.currentThread().getName());
        AtomicReference<String> opener = new AtomicReference<>();
        CompletableFuture<Connection> opening = CompletableFuture.supplyAsync(() -> {
            opener.set(Thread.currentThread().getName());
            return node.open(alice.transport(), Identity.login("alice"));
        });

        Await.until("the user's topic asked of the bus", () -> bus.requested(Topic.user("alice")));
        assertThat(opening).as("still opening: the topic is not live").isNotDone();
        assertThat(alice.written()).as("nothing written before the user's topic is live").isEmpty();
        bus.open(Topic.user("alice"));
        opening.get(10, TimeUnit.SECONDS);

        assertThat(ops(alice)).containsExactly("welcome");
        assertThat(firstWriter.get()).as("the thread that wrote welcome").isEqualTo(opener.get());
        node.api().toUser("alice").publish("note", Map.of("text", "hello")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        Await.until("the user's event", () -> !ofOp(alice.written(), "event").isEmpty());
        JsonNode event = ofOp(alice.written(), "event").get(0);
        assertThat(event.path("channel").asText()).isEqualTo("@user");
        assertThat(event.path("data").path("text").asText()).isEqualTo("hello");
    }

    @Test
    void anEventForTheUserPublishedAsSoonAsTheClientIsWelcomedReachesIt() throws Exception {
        ScriptedContainer alice = connectOnceTopicLive("alice");
        assertThat(ops(alice)).containsExactly("welcome");

        node.api().toUser("alice").publish("note", Map.of("n", 1)).toCompletableFuture().get(10, TimeUnit.SECONDS);

        Await.until("the user's event", () -> ops(alice).contains("event"));
        assertThat(ops(alice)).containsExactly("welcome", "event");
    }

    @Test
    void aSecondSessionOfAUserWhoseTopicIsLiveIsWelcomedWithoutWaiting() throws Exception {
        connectOnceTopicLive("alice");

        ScriptedContainer second = connect("alice");

        assertThat(ops(second)).as("written before open returned").containsExactly("welcome");
    }

    @Test
    void anAnonymousClientIsWelcomedWithoutWaitingForTheBus() {
        ScriptedContainer anonymous = connect(null);

        assertThat(ops(anonymous)).as("written before open returned").containsExactly("welcome");
    }

    @Test
    void aUserIsWelcomedWhenTheBusCannotSubscribeItsTopic() {
        bus.fail(Topic.user("alice"), new BusUnavailableException("Redis is down", null));

        ScriptedContainer alice = connect("alice");

        assertThat(ops(alice)).containsExactly("welcome");
    }

    @Test
    void aUserIsWelcomedWhenRedisDoesNotAnswerTheSubscribe() {
        // The gate is never opened: the subscribe stays unanswered, and the wait for it is bounded.
        ScriptedContainer alice = connect("alice");

        assertThat(ops(alice)).containsExactly("welcome");
        assertThat(bus.requested(Topic.user("alice"))).isTrue();
    }

    @Test
    void aUserIsWelcomedWithoutWaitingWhileTheBusIsKnownToBeDown() {
        bus.receiving(false);

        ScriptedContainer alice = connect("alice");

        assertThat(ops(alice)).as("written before open returned").containsExactly("welcome");
    }
}
