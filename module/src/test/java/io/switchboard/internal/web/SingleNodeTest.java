package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.Switchboard;
import io.switchboard.api.ServerEvent;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The module in a real embedded Tomcat, single-node (in-process bus). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeTest {
    private static final String TOKEN = "test-api-token-of-at-least-32-bytes";
    private static final String SECRET = "test-token-secret-of-at-least-32-bytes";
    private EmbeddedServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.api-token", TOKEN, "switchboard.token-secret", SECRET, "switchboard.client-publish", "chat.*",
                "switchboard.node-id", "unit-1"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void apiPublishReachesSubscriberInOffsetOrder() throws Exception {
        try (WsClient client = server.ws().connect()) {
            JsonNode welcome = client.welcome();
            assertThat(welcome.path("node").asText()).isEqualTo("unit-1");
            client.send("{\"op\":\"subscribe\",\"channel\":\"news\",\"id\":7}");
            JsonNode subscribed = client.awaitFrame(WsClient.withOp("subscribed"));
            assertThat(subscribed.path("id").asInt()).isEqualTo(7);
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> response = post("/switchboard/api/channels/news/events",
                        "{\"event\":\"tick\",\"data\":{\"i\":" + i + "}}", TOKEN);
                assertThat(response.statusCode()).isEqualTo(202);
            }
            client.awaitFrame(f -> "event".equals(f.path("op").asText()) && f.path("data").path("i").asInt() == 4);
            List<Integer> seen = client.frames().stream().filter(WsClient.withOp("event"))
                    .map(f -> f.path("data").path("i").asInt()).toList();
            assertThat(seen).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void aRetriedApiPublishWithTheSameIdempotencyKeyIsDeliveredOnce() throws Exception {
        try (WsClient client = server.ws().connect()) {
            client.send("{\"op\":\"subscribe\",\"channel\":\"orders\",\"id\":1}");
            client.awaitFrame(WsClient.withOp("subscribed"));
            String body = "{\"event\":\"placed\",\"data\":{\"i\":1}}";
            HttpResponse<String> first = postWithKey("/switchboard/api/channels/orders/events", body, "order-1");
            HttpResponse<String> retried = postWithKey("/switchboard/api/channels/orders/events", body, "order-1");
            HttpResponse<String> next = postWithKey("/switchboard/api/channels/orders/events",
                    "{\"event\":\"placed\",\"data\":{\"i\":2}}", "order-2");
            assertThat(List.of(first.statusCode(), retried.statusCode(), next.statusCode())).containsOnly(202);
            assertThat(retried.body()).isEqualTo(first.body());
            client.awaitFrame(f -> "event".equals(f.path("op").asText()) && f.path("data").path("i").asInt() == 2);
            assertThat(client.frames().stream().filter(WsClient.withOp("event")).map(f -> f.path("data").path("i").asInt()))
                    .containsExactly(1, 2);

            HttpResponse<String> malformed = postWithKey("/switchboard/api/channels/orders/events", body, "no spaces allowed");
            assertThat(malformed.statusCode()).isEqualTo(400);
        }
    }

    private HttpResponse<String> postWithKey(String path, String body, String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + TOKEN).header("Idempotency-Key", key).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void javaApiPublishesAndServerListenersHearIt() throws Exception {
        Switchboard switchboard = Switchboard.from(server.servletContext());
        List<ServerEvent> heard = new CopyOnWriteArrayList<>();
        try (Switchboard.Registration registration = switchboard.on("jobs", heard::add)) {
            registration.ready().toCompletableFuture().get(5, TimeUnit.SECONDS);
            String offset = switchboard.publish("jobs", "done", Map.of("id", 42)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            Await.until("the server listener hearing the event", () -> !heard.isEmpty());
            assertThat(heard).singleElement().satisfies(event -> {
                assertThat(event.offset()).isEqualTo(offset);
                assertThat(event.data().path("id").asInt()).isEqualTo(42);
                assertThat(event.origin()).isEqualTo("unit-1");
            });
        }
    }

    @Test
    void badFramesGetErrorsAndTheConnectionStaysUsable() throws Exception {
        try (WsClient client = server.ws().connect()) {
            client.send("not json");
            client.send("{\"op\":\"dance\",\"id\":1}");
            client.send("{\"op\":\"subscribe\",\"channel\":\"bad channel\",\"id\":2}");
            client.sendBinary(new byte[]{1, 2, 3});
            client.send("{\"op\":\"subscribe\",\"channel\":\"private-x\",\"id\":3}");
            client.send("{\"op\":\"publish\",\"channel\":\"news\",\"event\":\"x\",\"id\":4}");
            client.send("{\"op\":\"publish\",\"channel\":\"chat.lobby\",\"event\":\"said\",\"data\":\"hi\",\"id\":5}");
            client.awaitFrame(f -> f.path("id").asInt() == 5);
            List<String> codes = client.frames().stream().filter(WsClient.withOp("error"))
                    .map(f -> f.path("code").asText()).toList();
            assertThat(codes).containsExactly("bad_request", "unknown_op", "bad_request", "bad_request", "forbidden", "forbidden");
            assertThat(client.awaitFrame(f -> f.path("id").asInt() == 5).path("op").asText()).isEqualTo("published");
        }
    }

    @Test
    void userEventsReachEverySessionOfThatUserOnly() throws Exception {
        io.switchboard.internal.security.ClientTokens tokens = new io.switchboard.internal.security.ClientTokens(SECRET, java.time.Clock.systemUTC());
        long expiry = System.currentTimeMillis() / 1000 + 600;
        try (WsClient first = server.ws().token(tokens.mint("alice", expiry)).connect();
             WsClient second = server.ws().token(tokens.mint("alice", expiry)).connect();
             WsClient other = server.ws().token(tokens.mint("bob", expiry)).connect()) {
            assertThat(first.welcome().path("user").asText()).isEqualTo("alice");
            assertThat(post("/switchboard/api/users/alice/events", "{\"event\":\"invoice\",\"data\":1}", TOKEN).statusCode())
                    .isEqualTo(202);
            for (WsClient alice : List.of(first, second)) {
                JsonNode event = alice.awaitFrame(WsClient.withOp("event"));
                assertThat(event.path("channel").asText()).isEqualTo("@user");
                assertThat(event.path("event").asText()).isEqualTo("invoice");
            }
            other.send("{\"op\":\"ping\",\"id\":\"p\"}");
            other.awaitFrame(WsClient.withOp("pong"));
            assertThat(other.frames()).noneMatch(WsClient.withOp("event"));
        }
    }

    @Test
    void presenceListsTheUsersSubscribedUntilTheyLeave() throws Exception {
        io.switchboard.internal.security.ClientTokens tokens = new io.switchboard.internal.security.ClientTokens(SECRET, java.time.Clock.systemUTC());
        String presence = "/switchboard/api/channels/presence-room/presence";
        try (WsClient alice = server.ws().token(tokens.mint("alice", System.currentTimeMillis() / 1000 + 600)).connect()) {
            alice.send("{\"op\":\"subscribe\",\"channel\":\"presence-room\"}");
            alice.awaitFrame(WsClient.withOp("subscribed"));
            assertThat(get(presence).body()).contains("\"members\":[\"alice\"]");
            alice.send("{\"op\":\"unsubscribe\",\"channel\":\"presence-room\"}");
            alice.awaitFrame(WsClient.withOp("unsubscribed"));
            assertThat(get(presence).body()).contains("\"members\":[]");
        }
        assertThat(get("/switchboard/api/channels/news/presence").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void forgedOrExpiredTokensAreRefusedAtTheHandshake() {
        io.switchboard.internal.security.ClientTokens forger = new io.switchboard.internal.security.ClientTokens("not-the-secret-but-just-as-long-32", java.time.Clock.systemUTC());
        io.switchboard.internal.security.ClientTokens tokens = new io.switchboard.internal.security.ClientTokens(SECRET, java.time.Clock.systemUTC());
        for (String token : List.of(forger.mint("alice", System.currentTimeMillis() / 1000 + 600),
                tokens.mint("alice", System.currentTimeMillis() / 1000 - 1), "garbage")) {
            assertThatThrownBy(() -> server.ws().token(token).connect())
                    .isInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(401));
        }
    }

    @Test
    void frameUpToMaxFrameIsAssembledFromParts() throws Exception {
        // 60 KiB of UTF-8, far more than the per-session message buffer, so it reaches the endpoint in many
        // parts; the multi-byte characters (2, 3 and 4 bytes) straddle the part boundaries.
        try (WsClient client = server.ws().connect()) {
            client.send("{\"op\":\"ping\",\"id\":42,\"pad\":\"" + "x\u00e9\u20ac\ud83d\ude00".repeat(6 * 1024) + "\"}");
            JsonNode pong = client.awaitFrame(WsClient.withOp("pong"));
            assertThat(pong.path("id").asInt()).isEqualTo(42);
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void oversizedFrameClosesWith1009() throws Exception {
        try (WsClient client = server.ws().connect()) {
            client.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}");
            assertThat(client.awaitClose().code()).isEqualTo(1009);
        }
    }

    @Test
    void foreignOriginIsRefusedAtTheHandshake() {
        assertThatThrownBy(() -> server.ws().origin("http://evil.example").connect())
                .isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(403));
    }

    @Test
    void apiRefusesMissingOrWrongTokenAndOversizedBodies() throws Exception {
        assertThat(post("/switchboard/api/channels/news/events", "{\"event\":\"x\"}", null).statusCode()).isEqualTo(401);
        assertThat(post("/switchboard/api/channels/news/events", "{\"event\":\"x\"}", "wrong").statusCode()).isEqualTo(401);
        assertThat(post("/switchboard/api/channels/news/events", "{\"event\":\"x\",\"data\":\"" + "y".repeat(1024 * 1024) + "\"}", TOKEN)
                .statusCode()).isEqualTo(413);
        assertThat(post("/switchboard/api/channels/news/events", "{not json", TOKEN).statusCode()).isEqualTo(400);
    }
}
