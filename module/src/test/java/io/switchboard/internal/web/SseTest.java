package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.Switchboard;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.protocol.ProtocolClient;
import io.switchboard.testkit.sse.SseClient;
import io.switchboard.testkit.sse.SseConnector;
import io.switchboard.testkit.sse.SseHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SSE door in a real embedded Tomcat, single-node: the stream, its requests, its refusals and its end. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SseTest {
    private static final String SECRET = "sse-test-token-secret-of-at-least-32-bytes";
    private static final String API_TOKEN = "sse-test-api-token-of-at-least-32-bytes";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int MAX_FRAME = 4096;
    private static final long HEARTBEAT_MILLIS = 600;
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.token-secret", SECRET, "switchboard.api-token", API_TOKEN, "switchboard.client-publish", "chat.*",
                "switchboard.node-id", "sse-1", "switchboard.max-frame", Integer.toString(MAX_FRAME),
                "switchboard.heartbeat", Long.toString(HEARTBEAT_MILLIS)));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private SseConnector sse() {
        return SseClient.to(server.baseUri());
    }

    private Switchboard api() {
        return (Switchboard) server.servletContext().getAttribute(Switchboard.CONTEXT_ATTRIBUTE);
    }

    @Test
    void theStreamWelcomesWithASessionOfThisNodeAndASecretThenCarriesTheRepliesAndEvents() throws Exception {
        try (SseClient client = sse().connect()) {
            assertThat(client.welcome().path("session").asText()).startsWith("sse-1.");
            assertThat(client.secret()).hasSize(22);
            assertThat(client.welcome().path("heartbeat").asLong()).isEqualTo(HEARTBEAT_MILLIS);

            JsonNode subscribed = client.subscribe("news");
            String offset = api().publish("news", "tick", Map.of("n", 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);

            JsonNode event = client.awaitEvents("news", 1, Duration.ofSeconds(5)).get(0);
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
            assertThat(event.path("offset").asText()).isEqualTo(offset);
            assertThat(event.path("data").path("n").asInt()).isEqualTo(1);
            assertThat(client.publish("chat.room", "say", Map.of("text", "hi")).path("op").asText()).isEqualTo("published");
        }
    }

    @Test
    void aRequestWithAWrongOrMissingSecretIsForbiddenAndAnUnknownSessionIsNotFound() throws Exception {
        try (SseClient client = sse().connect()) {
            byte[] ping = "{\"op\":\"ping\"}".getBytes();
            String wrong = client.secret().substring(1) + (client.secret().charAt(0) == 'A' ? 'B' : 'A');

            assertThat(client.post(server.baseUri(), client.session(), wrong, ping).status()).isEqualTo(403);
            assertThat(client.post(server.baseUri(), client.session(), null, ping).status()).isEqualTo(403);
            assertThat(client.post(server.baseUri(), "sse-1.AAAAAAAAAAAAAAAAAAAAAA", client.secret(), ping).status())
                    .isEqualTo(404);
            assertThat(client.post(server.baseUri(), "not-a-session", client.secret(), ping).status()).isEqualTo(404);
            client.ping();
        }
    }

    @Test
    void aFrameOverMaxFrameIsRefusedWith413AndTheSessionGoesOn() throws Exception {
        try (SseClient client = sse().connect()) {
            SseClient.Answer answer = client.post("{\"op\":\"ping\",\"pad\":\"" + "p".repeat(MAX_FRAME) + "\"}");

            assertThat(answer.status()).isEqualTo(413);
            assertThat(Json.parse(answer.body()).path("error").asText()).isEqualTo("too_large");
            client.ping();
        }
    }

    @Test
    void aBodyThatIsNotUtf8IsBadRequestAndInvalidJsonGetsItsErrorFrameOnTheStream() throws Exception {
        try (SseClient client = sse().connect()) {
            assertThat(client.post(new byte[]{(byte) 0xC3, 0x28}).status()).isEqualTo(400);

            int mark = client.mark();
            client.send("{'op':'ping'}");
            JsonNode error = client.awaitFrameAfter(mark, ProtocolClient.withOp("error"), Duration.ofSeconds(5));
            assertThat(error.path("code").asText()).isEqualTo("bad_request");
            client.ping();
        }
    }

    @Test
    void aForeignOriginIsRefusedAtTheStreamAndAtEachRequest() throws Exception {
        assertThatThrownBy(() -> sse().origin("http://evil.example").connect())
                .isInstanceOfSatisfying(SseHandshakeException.class, e -> assertThat(e.status()).isEqualTo(403));
        try (SseClient client = sse().connect()) {
            assertThat(postWithOrigin(client, "http://evil.example")).isEqualTo(403);
            assertThat(postWithOrigin(client, server.baseUri().toString())).isEqualTo(202);
        }
    }

    @Test
    void aForgedTokenIsUnauthorizedAndAValidOneNamesTheUser() throws Exception {
        assertThatThrownBy(() -> sse().token("not.a.token").connect())
                .isInstanceOfSatisfying(SseHandshakeException.class, e -> assertThat(e.status()).isEqualTo(401));
        String token = api().clientToken("alice", Duration.ofMinutes(5));
        try (SseClient client = sse().token(token).connect()) {
            assertThat(client.user()).isEqualTo("alice");
            assertThat(client.subscribe("private-alice").path("channel").asText()).isEqualTo("private-alice");
        }
    }

    @Test
    void aQuietStreamCarriesKeepAliveComments() throws Exception {
        try (SseClient client = sse().connect()) {
            Await.until("two keep-alive comments", Duration.ofSeconds(10), () -> client.comments() >= 2);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void aServerCloseIsACloseFrameWithItsCodeThenTheEndOfTheStream() throws Exception {
        String token = api().clientToken("bob", Duration.ofSeconds(1));
        try (SseClient client = sse().token(token).connect()) {
            ProtocolClient.Close close = client.awaitClose(Duration.ofSeconds(10));

            assertThat(close.code()).isEqualTo(4401);
            assertThat(close.reason()).isEqualTo("token expired");
            Await.until("the stream ended after the close frame", Duration.ofSeconds(5), () -> !client.isOpen());
        }
    }

    @Test
    void aClientThatLeavesIsForgottenAtTheNextWriteToItsStream() throws Exception {
        SseClient client = sse().connect();
        client.subscribe("leaving");
        assertThat(openConnections()).isPositive();
        long before = openConnections();

        client.close();

        Await.until("the session closed by the node", Duration.ofSeconds(10), () -> openConnections() < before);
    }

    @Test
    void aStoppingNodeClosesItsStreamsWith1001() throws Exception {
        EmbeddedServer stopping = new EmbeddedServer(Map.of("switchboard.node-id", "sse-stopping"));
        SseClient client = SseClient.to(stopping.baseUri()).connect();
        try {
            stopping.close();

            ProtocolClient.Close close = client.awaitClose(Duration.ofSeconds(10));
            assertThat(close.code()).isEqualTo(1001);
            assertThat(close.reason()).isEqualTo("server shutting down");
        } finally {
            client.close();
        }
    }

    /** The node's open connections, from {@code /api/stats}. */
    private long openConnections() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUri() + "/switchboard/api/stats"))
                .header("Authorization", "Bearer " + API_TOKEN).build();
        try {
            return Json.parse(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body()).path("node")
                    .path("connections").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private int postWithOrigin(SseClient client, String origin) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUri() + "/switchboard/sse/" + client.session()))
                .header("X-Switchboard-Secret", client.secret()).header("Origin", origin)
                .POST(HttpRequest.BodyPublishers.ofString("{\"op\":\"ping\"}")).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
