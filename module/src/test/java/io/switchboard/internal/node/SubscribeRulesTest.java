package io.switchboard.internal.node;

import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.switchboard.internal.node.NodeHarness.has;
import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;

/** One subscription (and one replay) per channel and connection; subscribes are rate-limited. */
class SubscribeRulesTest {

    @Test
    void subscribingAgainWhileReplayingIsRefusedAndStartsNoSecondReplay() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.send-queue-bytes", "65536",
                "switchboard.history-size", "1000"))) {
            String epoch = harness.publishLarge("log", 50, 4_000);
            ScriptedContainer client = new ScriptedContainer("c");
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            ReplayBudget budget = harness.node.replayBudget();
            String subscribe = "{\"op\":\"subscribe\",\"channel\":\"log\",\"since\":\"" + epoch + "-0\",\"id\":%d}";
            connection.onText(subscribe.formatted(1));
            Await.until("the first page queued", () -> connection.session().queuedBytes() > 0);
            long held = budget.capacity() - budget.available();

            connection.onText(subscribe.formatted(2)); // the client reads nothing: still replaying
            assertThat(budget.capacity() - budget.available()).isEqualTo(held);

            client.readEverything();
            Await.until("the first subscribe answered", () -> has(client.written(), "subscribed", 1));
            List<JsonNode> frames = client.written();
            JsonNode refused = frames.stream().filter(f -> f.path("id").asInt() == 2).findFirst().orElseThrow();
            assertThat(refused.path("op").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("bad_request");
            assertThat(ofOp(frames, "event")).hasSize(50); // each replayed once
            assertThat(ofOp(frames, "subscribed")).hasSize(1);
        }
    }

    @Test
    void unsubscribingDuringAReplayStopsItAtThePageAndANewSubscribeWaitsForThat() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.send-queue-bytes", "65536",
                "switchboard.history-size", "1000"))) {
            String epoch = harness.publishLarge("log", 50, 4_000);
            ScriptedContainer client = new ScriptedContainer("c");
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            ReplayBudget budget = harness.node.replayBudget();
            String subscribe = "{\"op\":\"subscribe\",\"channel\":\"log\",\"since\":\"" + epoch + "-0\",\"id\":%d}";
            connection.onText(subscribe.formatted(1));
            Await.until("the first page queued", () -> connection.session().queuedBytes() > 0);
            connection.onText("{\"op\":\"unsubscribe\",\"channel\":\"log\",\"id\":2}");
            connection.onText(subscribe.formatted(3)); // the first replay has not stopped yet

            client.readEverything();
            Await.until("the unsubscribe answered", () -> has(client.written(), "unsubscribed", 2));
            List<JsonNode> frames = client.written();
            JsonNode subscribed = frames.stream().filter(f -> f.path("id").asInt() == 1).findFirst().orElseThrow();
            assertThat(subscribed.path("op").asText()).isEqualTo("subscribed");
            assertThat(subscribed.path("recovered").asBoolean()).isFalse(); // cut short by the unsubscribe
            assertThat(frames.indexOf(subscribed)).isLessThan(frames.indexOf(
                    frames.stream().filter(f -> f.path("id").asInt() == 2).findFirst().orElseThrow()));
            JsonNode retry = frames.stream().filter(f -> f.path("id").asInt() == 3).findFirst().orElseThrow();
            assertThat(retry.path("code").asText()).isEqualTo("unavailable"); // client.js retries these
            assertThat(ofOp(frames, "event").size()).isLessThan(50);
            Await.until("the stopped replay's bytes given back", () -> budget.available() == budget.capacity());

            connection.onText(subscribe.formatted(4));
            Await.until("the retried subscribe", () -> has(client.written(), "subscribed", 4));
            assertThat(client.written().stream().dropWhile(f -> f.path("id").asInt() != 2)
                    .filter(f -> "event".equals(f.path("op").asText()))).hasSize(50);
        }
    }

    @Test
    void aNewChannelsFirstSubscriberIsAnsweredAtItsPositionAndGetsWhatFollows() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of())) {
            String epoch = harness.publishLarge("news", 3, 10);
            ScriptedContainer first = new ScriptedContainer("first");
            first.readEverything();
            Connection connection = harness.node.open(first.transport(), Identity.anonymous());
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
            Await.until("subscribed", () -> has(first.written(), "subscribed", 1));
            ScriptedContainer second = new ScriptedContainer("second");
            second.readEverything();
            Connection later = harness.node.open(second.transport(), Identity.anonymous());
            later.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":2}");
            Await.until("subscribed", () -> has(second.written(), "subscribed", 2));

            harness.node.api().publish("news", "e", Map.of("i", 4)).toCompletableFuture().get(5, TimeUnit.SECONDS);

            for (ScriptedContainer client : List.of(first, second)) {
                Await.until("the new event", () -> ofOp(client.written(), "event").size() == 1);
                JsonNode subscribed = ofOp(client.written(), "subscribed").get(0);
                assertThat(subscribed.path("offset").asText()).isEqualTo(epoch + "-3");
                assertThat(ofOp(client.written(), "event").get(0).path("offset").asText()).isEqualTo(epoch + "-4");
            }
        }
    }

    @Test
    void subscribingALiveChannelAgainReplacesTheSubscription() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of())) {
            ScriptedContainer client = new ScriptedContainer("c");
            client.readEverything();
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":1}");
            Await.until("subscribed", () -> has(client.written(), "subscribed", 1));
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":2}");
            Await.until("subscribed again", () -> has(client.written(), "subscribed", 2));
            assertThat(harness.node.figures().get("subscriptions")).isEqualTo(1);

            harness.node.api().publish("news", "e", 1).toCompletableFuture().get(5, TimeUnit.SECONDS);
            harness.node.api().publish("news", "e", 2).toCompletableFuture().get(5, TimeUnit.SECONDS);
            Await.until("events", () -> ofOp(client.written(), "event").stream().anyMatch(f -> f.path("data").asInt() == 2));
            assertThat(ofOp(client.written(), "event")).extracting(f -> f.path("data").asInt()).containsExactly(1, 2);
        }
    }

    @Test
    void subscribesBeyondTheRateAreRateLimitedWhileUnsubscribesAreAlwaysAnswered() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.subscribe-rate", "1",
                "switchboard.max-subscriptions", "1"))) {
            ScriptedContainer client = new ScriptedContainer("c");
            client.readEverything();
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            // Subscribe (odd ids) and unsubscribe (even ids), each once the one before is answered, so that every
            // subscribe finds the channel free and meets the rate limit alone.
            int requests = 40;
            for (int i = 1; i <= requests; i++) {
                int id = i;
                connection.onText("{\"op\":\"" + (i % 2 == 1 ? "subscribe" : "unsubscribe") + "\",\"channel\":\"a\",\"id\":" + i + "}");
                Await.until("request " + id + " answered", () -> client.written().stream().anyMatch(f -> f.path("id").asInt() == id));
            }
            List<JsonNode> answers = client.written().stream().filter(f -> f.path("id").asInt() >= 1).toList();
            assertThat(answers).hasSize(requests);
            assertThat(answers.stream().filter(f -> f.path("id").asInt() == 1)).allMatch(f -> "subscribed".equals(f.path("op").asText()));
            // A burst of one and one more per second: of 19 further subscribes, answered within milliseconds of
            // each other, not all can find a token (that would take 19 s).
            assertThat(answers.stream().filter(f -> f.path("id").asInt() % 2 == 1))
                    .anyMatch(f -> "rate_limited".equals(f.path("code").asText()));
            assertThat(answers.stream().filter(f -> f.path("id").asInt() % 2 == 0))
                    .allMatch(f -> "unsubscribed".equals(f.path("op").asText()));
            assertThat(connection.session().isOpen()).isTrue();
        }
    }

    @Test
    void anAuthorizerThatThrowsGetsTheClientAnInternalErrorAndTheConnectionGoesOn() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of())) {
            harness.node.api().authorizeWith((user, channel) -> {
                throw new IllegalStateException("the permissions database is down");
            });
            ScriptedContainer client = new ScriptedContainer("c");
            Connection connection = harness.node.open(client.transport(), Identity.login("alice"));
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"private-alice\",\"id\":1}");
            connection.onText("{\"op\":\"ping\",\"id\":2}");
            client.readEverything();
            Await.until("the ping after it answered", () -> has(client.written(), "pong", 2));
            JsonNode refused = client.written().stream().filter(f -> f.path("id").asInt() == 1).findFirst().orElseThrow();
            assertThat(refused.path("op").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("internal");
            assertThat(refused.path("message").asText()).doesNotContain("database");
            assertThat(connection.session().isOpen()).isTrue();
        }
    }
}
