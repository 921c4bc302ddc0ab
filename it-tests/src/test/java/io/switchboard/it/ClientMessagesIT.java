package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client messages with replies ({@code send} → {@code reply} / {@code error}) on three worker JVMs and
 * one real redis-server, against the sample's handlers ({@code io.switchboard.sample.SampleHandlers}):
 * the handler on the node that holds the socket answers, what it publishes reaches the other nodes,
 * and every refusal has its documented code, carries the send's id and leaves the connection usable.
 */
class ClientMessagesIT {

    private static final int HANDLER_TIMEOUT_MS = 1_000;
    private static final int MAX_DATA = 8_192;
    private static final int SEND_RATE = 20;
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicLong IDS = new AtomicLong();

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(3).properties(Map.of(
            "switchboard.handler-timeout", Integer.toString(HANDLER_TIMEOUT_MS),
            "switchboard.max-data", Integer.toString(MAX_DATA),
            "switchboard.send-rate", Integer.toString(SEND_RATE)));

    @Test
    void chatIsAnsweredByTheHandlerOnTheSendersNodeAndWhatItPublishesReachesClientsOnTheOtherNodes() {
        WsClient sender = cluster.connect(1, "alice");
        WsClient onNode2 = cluster.subscriber(2, "chat.lobby");
        WsClient onNode3 = cluster.subscriber(3, "chat.lobby");
        String text = "hello from node 1 " + UUID.randomUUID();

        SendAnswer answer = send(sender, "chat", Map.of("text", text, "ref", "r-1"));

        assertThat(answer.frame().path("op").asText()).as("answer %s", answer.frame()).isEqualTo("reply");
        assertThat(answer.idMatches()).isTrue();
        String offset = answer.frame().path("data").path("offset").asText();
        assertThat(offset).matches("[0-9A-Za-z]+-[0-9]+");
        for (WsClient receiver : List.of(onNode2, onNode3)) {
            JsonNode event = receiver.awaitFrame(frame -> "event".equals(frame.path("op").asText())
                    && text.equals(frame.path("data").path("text").asText()), DELIVERY_TIMEOUT);
            assertThat(receiver.node()).isNotEqualTo("node-1");
            assertThat(event.path("channel").asText()).isEqualTo("chat.lobby");
            assertThat(event.path("event").asText()).isEqualTo("message");
            assertThat(event.path("offset").asText()).as("the offset the reply named").isEqualTo(offset);
            assertThat(event.path("data").path("node").asText()).as("published by the handler on node 1")
                    .isEqualTo("node-1");
            assertThat(event.path("data").path("user").asText()).isEqualTo("alice");
            assertThat(event.path("data").path("ref").asText()).isEqualTo("r-1");
        }
    }

    @Test
    void echoRepliesWithTheDataAndWhoamiWithTheUserNodeAndSession() {
        WsClient anonymous = cluster.connect(2);
        WsClient bob = cluster.connect(3, "bob");
        Map<String, Object> data = Map.of("n", 42, "list", List.of("a", "b"), "nested", Map.of("ok", true));

        SendAnswer echo = send(anonymous, "echo", data);
        assertThat(echo.frame().path("op").asText()).isEqualTo("reply");
        assertThat(echo.idMatches()).isTrue();
        assertThat(echo.frame().path("data")).isEqualTo(Json.tree(data));

        SendAnswer anonymousWho = send(anonymous, "whoami", null);
        assertThat(anonymousWho.frame().path("data").path("user").isNull()).isTrue();
        assertThat(anonymousWho.frame().path("data").path("node").asText()).isEqualTo("node-2");
        assertThat(anonymousWho.frame().path("data").path("session").asText())
                .isEqualTo(anonymous.welcome().path("session").asText());

        SendAnswer bobWho = send(bob, "whoami", null);
        assertThat(bobWho.idMatches()).isTrue();
        assertThat(bobWho.frame().path("data").path("user").asText()).isEqualTo("bob");
        assertThat(bobWho.frame().path("data").path("node").asText()).isEqualTo("node-3");
        assertThat(bobWho.frame().path("data").path("session").asText()).isEqualTo(bob.welcome().path("session").asText())
                .startsWith("node-3.");
    }

    @Test
    void aSendWithoutIdRunsItsHandlerAndIsAnsweredNothing() {
        WsClient sender = cluster.connect(1);
        WsClient listener = cluster.subscriber(2, "chat.lobby");
        String text = "fire and forget " + UUID.randomUUID();
        int mark = sender.mark();

        sender.send(Json.object().put("op", "send").put("event", "chat").set("data", Json.tree(Map.of("text", text))));

        listener.awaitFrame(frame -> text.equals(frame.path("data").path("text").asText()), DELIVERY_TIMEOUT);
        sender.ping();
        assertThat(sender.frames().subList(mark, sender.frames().size()))
                .extracting(frame -> frame.path("op").asText()).containsOnly("pong");
    }

    @Test
    void anUnknownEventIsNotFound() {
        WsClient client = cluster.connect(1);

        SendAnswer answer = send(client, "no-such-event", Map.of());

        assertError(answer, "not_found");
        assertThat(answer.frame().path("message").asText()).contains("no-such-event");
        assertUsable(client);
    }

    @Test
    void aFailingHandlerIsInternalWithoutItsInternals() {
        WsClient client = cluster.connect(2);

        SendAnswer answer = send(client, "fail", Map.of());

        assertError(answer, "internal");
        assertThat(answer.frame().path("message").asText()).isEqualTo("the handler failed")
                .doesNotContain("jdbc").doesNotContain("Exception").doesNotContain("internal/");
        assertUsable(client);
    }

    @Test
    void aHandlerSlowerThanTheHandlerTimeoutIsUnavailable() {
        WsClient client = cluster.connect(3);

        long started = System.nanoTime();
        SendAnswer answer = send(client, "slow", Map.of("millis", 10 * HANDLER_TIMEOUT_MS));
        long tookMillis = (System.nanoTime() - started) / 1_000_000;

        assertError(answer, "unavailable");
        assertThat(answer.frame().path("message").asText()).isEqualTo("no reply within " + HANDLER_TIMEOUT_MS + " ms");
        assertThat(tookMillis).as("answered at the timeout, not when the handler would have finished")
                .isLessThan(10L * HANDLER_TIMEOUT_MS);
        assertUsable(client);
        SendAnswer quick = send(client, "slow", Map.of("millis", 0));
        assertThat(quick.frame().path("op").asText()).as("a handler within the timeout replies").isEqualTo("reply");
    }

    @Test
    void dataOverMaxDataIsTooLarge() {
        WsClient client = cluster.connect(1);

        SendAnswer answer = send(client, "echo", Map.of("pad", "x".repeat(MAX_DATA + 100)));

        assertError(answer, "too_large");
        assertThat(answer.frame().path("message").asText()).contains(Integer.toString(MAX_DATA));
        assertUsable(client);
    }

    @Test
    void sendsOverTheSendRateAreRateLimited() {
        WsClient client = cluster.connect(2);
        List<String> ids = new ArrayList<>();
        int mark = client.mark();

        // Twice the per-second allowance, without waiting for the answers.
        for (int i = 0; i < 2 * SEND_RATE; i++) {
            String id = "burst-" + IDS.incrementAndGet();
            ids.add(id);
            ObjectNode frame = Json.object().put("op", "send").put("event", "echo").put("id", id);
            frame.set("data", Json.tree(Map.of("i", i)));
            client.send(frame);
        }

        List<JsonNode> answers = new ArrayList<>();
        for (String id : ids) {
            answers.add(client.awaitFrameAfter(mark, frame -> id.equals(frame.path("id").asText(null)), DELIVERY_TIMEOUT));
        }
        List<JsonNode> refused = answers.stream().filter(frame -> "error".equals(frame.path("op").asText())).toList();
        assertThat(refused).as("refused sends of a burst of %d", ids.size()).isNotEmpty();
        assertThat(refused).allSatisfy(frame -> assertThat(frame.path("code").asText()).isEqualTo("rate_limited"));
        assertThat(refused).anySatisfy(frame -> assertThat(frame.path("message").asText())
                .isEqualTo("at most " + SEND_RATE + " sends per second per connection"));
        for (int i = 0; i < answers.size(); i++) {
            JsonNode frame = answers.get(i);
            if ("reply".equals(frame.path("op").asText())) {
                assertThat(frame.path("data").path("i").asInt()).as("the reply to %s", ids.get(i)).isEqualTo(i);
            }
        }
        client.ping();
        // The allowance comes back within a second: a send is answered by its handler again.
        SendAnswer later = Await.until("a send answered again after the burst", DELIVERY_TIMEOUT,
                () -> send(client, "echo", "after the burst"), answer -> "reply".equals(answer.frame().path("op").asText()));
        assertThat(later.idMatches()).isTrue();
        assertThat(later.frame().path("data").asText()).isEqualTo("after the burst");
        assertThat(client.isOpen()).isTrue();
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The first answer to a send, and whether it carried the send's id exactly (string for string). */
    private record SendAnswer(JsonNode frame, boolean idMatches) {
    }

    private static SendAnswer send(WsClient client, String event, Object data) {
        String id = "send-" + IDS.incrementAndGet();
        ObjectNode frame = Json.object().put("op", "send").put("event", event).put("id", id);
        frame.set("data", Json.tree(data));
        int mark = client.mark();
        client.send(frame);
        JsonNode answer = client.awaitFrameAfter(mark, reply -> reply.has("id") && !"event".equals(reply.path("op").asText()),
                DELIVERY_TIMEOUT);
        return new SendAnswer(answer, answer.path("id").isTextual() && id.equals(answer.path("id").asText()));
    }

    private static void assertError(SendAnswer answer, String code) {
        assertThat(answer.frame().path("op").asText()).as("answer %s", answer.frame()).isEqualTo("error");
        assertThat(answer.frame().path("code").asText()).as("answer %s", answer.frame()).isEqualTo(code);
        assertThat(answer.idMatches()).as("answer %s carries the send's id", answer.frame()).isTrue();
    }

    /** The connection still answers a ping and a send after whatever came before. */
    private static void assertUsable(WsClient client) {
        client.ping();
        SendAnswer echo = send(client, "echo", "still here");
        assertThat(echo.frame().path("op").asText()).isEqualTo("reply");
        assertThat(echo.frame().path("data").asText()).isEqualTo("still here");
        assertThat(client.isOpen()).isTrue();
    }
}
