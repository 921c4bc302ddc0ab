package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.ClientMessage;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection's {@code send}s through a running node to the application's handlers: replies and
 * errors carry the send's id, the connection's limits apply, and nothing is answered to a closed one.
 */
class ClientMessagesTest {

    /** A node on the in-process bus, and one client connection that reads everything. */
    private static final class Client implements AutoCloseable {
        final NodeHarness harness;
        final ScriptedContainer socket = new ScriptedContainer("c");
        final Connection connection;

        Client(Map<String, String> settings, Identity identity) {
            harness = new NodeHarness(settings);
            socket.readEverything();
            connection = harness.node.open(socket.transport(), identity);
        }

        void send(String frame) {
            connection.onText(frame);
        }

        JsonNode answerTo(Object id) {
            String wanted = String.valueOf(id);
            Await.until("an answer to send " + id, () -> answer(wanted) != null);
            return answer(wanted);
        }

        private JsonNode answer(String id) {
            return socket.written().stream()
                    .filter(frame -> frame.has("id") && id.equals(frame.path("id").asText()))
                    .findFirst().orElse(null);
        }

        /** Proves the connection still answers, after whatever came before. */
        void assertUsable() {
            send("{\"op\":\"ping\",\"id\":\"usable\"}");
            assertThat(answerTo("usable").path("op").asText()).isEqualTo("pong");
        }

        @Override
        public void close() {
            harness.close();
        }
    }

    @Test
    void aSendIsAnsweredByItsHandlerOnAHandlerThreadWithAReplyCarryingTheSendsId() {
        try (Client client = new Client(Map.of(SwitchboardConfig.NODE_ID, "n1"), Identity.login("alice"))) {
            AtomicReference<ClientMessage> received = new AtomicReference<>();
            AtomicReference<String> thread = new AtomicReference<>();
            client.harness.node.api().onMessage("echo", message -> {
                received.set(message);
                thread.set(Thread.currentThread().getName());
                return CompletableFuture.completedFuture(Map.of("echo", message.data()));
            });

            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":{\"n\":1},\"id\":\"a1\"}");
            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":[2],\"id\":7}");

            JsonNode first = client.answerTo("a1");
            assertThat(first.path("op").asText()).isEqualTo("reply");
            assertThat(first.path("id").isTextual()).isTrue();
            assertThat(first.path("data").path("echo").path("n").asInt()).isEqualTo(1);
            JsonNode second = client.answerTo(7);
            assertThat(second.path("op").asText()).isEqualTo("reply");
            assertThat(second.path("id").isNumber()).as("the id comes back as it was sent").isTrue();
            assertThat(second.path("data").path("echo").get(0).asInt()).isEqualTo(2);
            assertThat(thread.get()).startsWith("switchboard-handler-");
            String session = client.socket.written().get(0).path("session").asText();
            assertThat(received.get().user()).contains("alice");
            assertThat(received.get().session()).isEqualTo(session);
            assertThat(received.get().node()).isEqualTo("n1");
            assertThat(received.get().event()).isEqualTo("echo");
        }
    }

    @Test
    void aSendWithoutIdRunsItsHandlerAndIsAnsweredNothing() {
        try (Client client = new Client(Map.of(), Identity.anonymous())) {
            List<ClientMessage> received = new CopyOnWriteArrayList<>();
            CompletableFuture<Object> reply = new CompletableFuture<>();
            client.harness.node.api().onMessage("note", message -> {
                received.add(message);
                return reply;
            });

            client.send("{\"op\":\"send\",\"event\":\"note\",\"data\":\"hello\"}");
            Await.until("the handler ran", () -> received.size() == 1);
            reply.complete("ignored"); // the connection's answer runs here, on this thread

            assertThat(received.get(0).user()).isEmpty();
            assertThat(received.get(0).data().asText()).isEqualTo("hello");
            client.assertUsable();
            assertThat(client.socket.written()).extracting(frame -> frame.path("op").asText())
                    .containsExactly("welcome", "pong");
        }
    }

    @Test
    void refusedSendsAreAnsweredWithTheirCodeAndIdAndTheConnectionGoesOn() {
        try (Client client = new Client(Map.of(SwitchboardConfig.MAX_DATA, "64"), Identity.anonymous())) {
            client.harness.node.api().onMessage("echo", message -> CompletableFuture.completedFuture(message.data()));
            client.harness.node.api().onMessage("broken", message -> {
                throw new IllegalStateException("connection string jdbc:secret");
            });

            client.send("{\"op\":\"send\",\"event\":\"nobody\",\"id\":1}");
            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":\"" + "x".repeat(100) + "\",\"id\":2}");
            client.send("{\"op\":\"send\",\"data\":1,\"id\":3}");
            client.send("{\"op\":\"send\",\"event\":\"broken\",\"id\":4}");

            assertThat(client.answerTo(1).path("code").asText()).isEqualTo("not_found");
            assertThat(client.answerTo(2).path("code").asText()).isEqualTo("too_large");
            assertThat(client.answerTo(3).path("code").asText()).isEqualTo("bad_request");
            JsonNode internal = client.answerTo(4);
            assertThat(internal.path("op").asText()).isEqualTo("error");
            assertThat(internal.path("code").asText()).isEqualTo("internal");
            assertThat(internal.path("message").asText()).doesNotContain("jdbc").doesNotContain("IllegalState");
            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":\"fine\",\"id\":5}");
            assertThat(client.answerTo(5).path("data").asText()).isEqualTo("fine");
            client.assertUsable();
        }
    }

    @Test
    void sendsOverTheSendRateAreRateLimited() {
        try (Client client = new Client(Map.of(SwitchboardConfig.SEND_RATE, "1"), Identity.anonymous())) {
            client.harness.node.api().onMessage("echo", message -> CompletableFuture.completedFuture(message.data()));

            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":1,\"id\":1}");
            client.send("{\"op\":\"send\",\"event\":\"echo\",\"data\":2,\"id\":2}"); // within the same second

            assertThat(client.answerTo(1).path("op").asText()).isEqualTo("reply");
            JsonNode limited = client.answerTo(2);
            assertThat(limited.path("code").asText()).isEqualTo("rate_limited");
            assertThat(limited.path("message").asText()).contains("1 sends per second");
            client.assertUsable();
        }
    }

    @Test
    void atMostSixteenSendsMayAwaitTheirReplyPerConnection() {
        try (Client client = new Client(Map.of(SwitchboardConfig.SEND_RATE, "1000"), Identity.anonymous())) {
            List<CompletableFuture<Object>> replies = new CopyOnWriteArrayList<>();
            client.harness.node.api().onMessage("wait", message -> {
                CompletableFuture<Object> reply = new CompletableFuture<>();
                replies.add(reply);
                return reply;
            });

            for (int i = 1; i <= 17; i++) {
                client.send("{\"op\":\"send\",\"event\":\"wait\",\"id\":" + i + "}");
            }
            JsonNode refused = client.answerTo(17);
            assertThat(refused.path("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.path("message").asText()).contains("16 sends awaiting");
            Await.until("16 handlers running", () -> replies.size() == 16);

            replies.forEach(reply -> reply.complete("done"));
            for (int i = 1; i <= 16; i++) {
                assertThat(client.answerTo(i).path("op").asText()).isEqualTo("reply");
            }
            client.send("{\"op\":\"send\",\"event\":\"wait\",\"id\":18}");
            Await.until("the next send runs", () -> replies.size() == 17);
            replies.get(16).complete("again");
            assertThat(client.answerTo(18).path("data").asText()).isEqualTo("again");
        }
    }

    @Test
    void aHandlerThatDoesNotReplyWithinTheHandlerTimeoutIsAnsweredUnavailable() {
        try (Client client = new Client(Map.of(SwitchboardConfig.HANDLER_TIMEOUT, "100"), Identity.anonymous())) {
            client.harness.node.api().onMessage("never", message -> new CompletableFuture<>());

            client.send("{\"op\":\"send\",\"event\":\"never\",\"id\":\"t\"}");

            JsonNode answer = client.answerTo("t");
            assertThat(answer.path("op").asText()).isEqualTo("error");
            assertThat(answer.path("code").asText()).isEqualTo("unavailable");
            assertThat(answer.path("message").asText()).isEqualTo("no reply within 100 ms");
            client.assertUsable();
        }
    }

    @Test
    void aReplyThatCompletesAfterTheConnectionClosedIsDropped() {
        try (Client client = new Client(Map.of(), Identity.anonymous())) {
            CompletableFuture<Object> reply = new CompletableFuture<>();
            AtomicReference<Optional<String>> ran = new AtomicReference<>();
            client.harness.node.api().onMessage("late", message -> {
                ran.set(message.user());
                return reply;
            });
            client.send("{\"op\":\"send\",\"event\":\"late\",\"id\":1}");
            Await.until("the handler ran", () -> ran.get() != null);
            int written = client.socket.written().size();

            client.harness.node.closed(client.connection);
            reply.complete("too late");

            assertThat(client.socket.written()).hasSize(written);
            assertThat(ofOp(client.socket.written(), "reply")).isEmpty();
        }
    }
}
