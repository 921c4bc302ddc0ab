package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Bad input at a real node: each case gets its precise error frame, close code or HTTP status, and
 * after each one the same node still serves a well-behaved client. The node's log shows no stack trace
 * for any of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_FRAME = 65536;
    private static final int MAX_BODY = 1048576;

    private RedisServerProcess redis;
    private Cluster cluster;
    private ServerNode node;
    private long logMarkAfterStart;
    private final WsClients clients = new WsClients();

    @BeforeAll
    void startNode() {
        redis = RedisServerProcess.start("BadInputIT-redis");
        cluster = Cluster.start("BadInputIT", 1, redis);
        node = cluster.node(1);
        logMarkAfterStart = node.log().mark();
    }

    @AfterEach
    void closeClients() {
        clients.close();
    }

    @AfterAll
    void stopNode() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void invalidJsonIsBadRequestAndTheConnectionStaysOpen() {
        WsClient client = clients.connect(node.ws());

        client.send("{\"op\": \"subscribe\", \"channel\": ");

        assertErrorCode(awaitError(client, 0), "bad_request");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void unknownOpIsUnknownOpWithTheRequestId() {
        WsClient client = clients.connect(node.ws());

        JsonNode reply = client.request(Json.object().put("op", "dance"));

        assertErrorCode(reply, "unknown_op");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"op\":\"subscribe\"}",
            "{\"op\":\"subscribe\",\"channel\":42}",
            "{\"op\":\"unsubscribe\"}",
            "{\"op\":\"publish\",\"channel\":\"chat.lobby\",\"data\":{\"text\":\"hi\"}}",
            "{\"op\":\"publish\",\"event\":\"say\",\"data\":{}}",
            "{\"channel\":\"news\"}",
            "[\"subscribe\",\"news\"]",
            "\"subscribe\""})
    void requestWithMissingOrWrongTypedFieldsIsBadRequest(String frame) {
        WsClient client = clients.connect(node.ws());

        client.send(frame);

        assertErrorCode(awaitError(client, 0), "bad_request");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"news!", "a\nb", "", "with space", "ünïcode",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void subscribeToBadChannelNameIsBadRequest(String channel) {
        WsClient client = clients.connect(node.ws());

        JsonNode reply = client.request(Json.object().put("op", "subscribe").put("channel", channel));

        assertErrorCode(reply, "bad_request");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void channelNameOf128AllowedCharactersIsAccepted() {
        WsClient client = clients.connect(node.ws());
        String channel = ("Az09_.:@-" + "x".repeat(128)).substring(0, 128);

        JsonNode reply = client.subscribe(channel);

        assertThat(reply.path("channel").asText()).isEqualTo(channel);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void frameOverMaxFrameIsClosedWithTooBig() {
        WsClient client = clients.connect(node.ws());
        ObjectNode frame = Json.object().put("op", "publish").put("channel", "chat.lobby").put("event", "big");
        frame.put("data", "x".repeat(MAX_FRAME + 1024));

        client.send(frame);

        assertThat(client.awaitClose(TIMEOUT).code()).isEqualTo(1009);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void binaryFrameIsBadRequestAndTheConnectionStaysOpen() {
        WsClient client = clients.connect(node.ws());

        client.sendBinary("{\"op\":\"ping\"}".getBytes(StandardCharsets.UTF_8));

        assertErrorCode(awaitError(client, 0), "bad_request");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-x", "presence-room"})
    void anonymousSubscribeToPrivateChannelIsForbidden(String channel) {
        WsClient client = clients.connect(node.ws());

        JsonNode reply = client.request(Json.object().put("op", "subscribe").put("channel", channel));

        assertErrorCode(reply, "forbidden");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void tooManySubscriptionsOnOneConnectionIsTooLarge() {
        WsClient client = clients.connect(node.ws());
        String prefix = "many." + Long.toHexString(System.nanoTime()) + ".";
        for (int i = 0; i < 100; i++) {
            client.subscribe(prefix + i);
        }

        JsonNode reply = client.request(Json.object().put("op", "subscribe").put("channel", prefix + 100));

        assertErrorCode(reply, "too_large");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void browserPublishOnChannelNotOpenToBrowsersIsForbidden() {
        WsClient subscriber = clients.connect(node.ws());
        subscriber.subscribe("news");
        WsClient client = clients.connect(node.ws());

        JsonNode reply = client.publish("news", "fake", Map.of("message", "not from the server"));

        assertErrorCode(reply, "forbidden");
        client.ping();
        subscriber.ping();
        assertThat(subscriber.events("news")).extracting(e -> e.path("event").asText()).doesNotContain("fake");
        nodeStillServesWellBehavedClients();
    }

    @Test
    void browserPublishOnChatChannelIsAcceptedAndDelivered() {
        WsClient subscriber = clients.connect(node.ws());
        subscriber.subscribe("chat.lobby");
        WsClient client = clients.connect(node.ws());
        String text = "hello " + UUID.randomUUID();

        JsonNode reply = client.publish("chat.lobby", "say", Map.of("text", text));

        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("published");
        assertThat(reply.path("channel").asText()).isEqualTo("chat.lobby");
        Offset offset = Offset.parse(reply.path("offset").asText());
        JsonNode event = subscriber.awaitFrame(frame -> text.equals(frame.path("data").path("text").asText()), TIMEOUT);
        assertThat(event.path("channel").asText()).isEqualTo("chat.lobby");
        assertThat(event.path("event").asText()).isEqualTo("say");
        assertThat(Offset.parse(event.path("offset").asText())).isEqualTo(offset);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void browserPublishingFasterThanTheRateLimitIsRateLimitedAndTheConnectionStaysOpen() {
        WsClient client = clients.connect(node.ws());
        int burst = 60;

        for (int i = 0; i < burst; i++) {
            ObjectNode frame = Json.object().put("op", "publish").put("channel", "chat.lobby").put("event", "say").put("id", "burst-" + i);
            frame.set("data", Json.object().put("i", i));
            client.send(frame);
        }

        Await.until(burst + " replies", TIMEOUT, () -> client.frames().stream()
                .filter(frame -> frame.path("id").asText().startsWith("burst-")).count() == burst);
        assertThat(client.frames()).filteredOn(frame -> frame.path("id").asText().startsWith("burst-"))
                .extracting(frame -> frame.path("op").asText() + ":" + frame.path("code").asText(""))
                .contains("published:", "error:rate_limited")
                .containsOnly("published:", "error:rate_limited");
        client.ping();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiWithoutTokenIsUnauthorized() {
        ApiResponse response = node.api().withToken(null).publish("news", "tick", Map.of("n", 1));

        assertThat(response.status()).as("answer %s", response).isEqualTo(401);
        assertThat(response.json().path("error").isTextual()).as("answer %s", response).isTrue();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiWithWrongTokenIsUnauthorized() {
        ApiResponse response = node.api().withToken(cluster.apiToken() + "x").publish("news", "tick", Map.of("n", 1));

        assertThat(response.status()).as("answer %s", response).isEqualTo(401);
        assertThat(response.json().path("error").isTextual()).as("answer %s", response).isTrue();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiBodyOverMaxBodyIsPayloadTooLarge() {
        String body = "{\"event\":\"big\",\"data\":\"" + "x".repeat(MAX_BODY) + "\"}";

        ApiResponse response = node.api().post("/switchboard/api/channels/news/events", body);

        assertThat(response.status()).as("answer %s", response).isEqualTo(413);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiInvalidJsonBodyIsBadRequest() {
        ApiResponse response = node.api().post("/switchboard/api/channels/news/events", "{\"event\":");

        assertThat(response.status()).as("answer %s", response).isEqualTo(400);
        assertThat(response.json().path("error").isTextual()).as("answer %s", response).isTrue();
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiEventDataOverMaxDataIsPayloadTooLarge() {
        ApiResponse response = node.api().publish("news", "big", Map.of("text", "x".repeat(MAX_FRAME + 1)));

        assertThat(response.status()).as("answer %s", response).isEqualTo(413);
        assertThat(response.json().path("error").asText()).as("answer %s", response).isEqualTo("too_large");
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiPublishOnBadChannelNameIsBadRequest() {
        ApiResponse response = node.api().publish("news!", "tick", Map.of("n", 1));

        assertThat(response.status()).as("answer %s", response).isEqualTo(400);
        assertThat(response.json().path("error").asText()).as("answer %s", response).isEqualTo("bad_request");
        nodeStillServesWellBehavedClients();
    }

    @Test
    void apiUnknownPathIsNotFoundAndWrongMethodIsMethodNotAllowed() {
        ApiResponse unknown = node.api().get("/switchboard/api/no-such-thing");
        ApiResponse wrongMethod = node.api().get("/switchboard/api/channels/news/events");

        assertThat(unknown.status()).as("answer %s", unknown).isEqualTo(404);
        assertThat(wrongMethod.status()).as("answer %s", wrongMethod).isEqualTo(405);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void handshakeFromForeignOriginIsRefusedWithForbidden() {
        WebSocketHandshakeException refused = catchThrowableOfType(WebSocketHandshakeException.class,
                () -> node.ws().origin("http://evil.example").connect());

        assertThat(refused).as("handshake with Origin http://evil.example").isNotNull();
        assertThat(refused.getResponse().statusCode()).isEqualTo(403);
        nodeStillServesWellBehavedClients();
    }

    @Test
    void handshakeWithValidClientTokenIdentifiesTheUser() {
        WsClient client = clients.connect(node.ws().token(ClientToken.mint(cluster.tokenSecret(), "alice")));

        assertThat(client.user()).isEqualTo("alice");
        assertThat(client.subscribe("private-alice").path("channel").asText()).isEqualTo("private-alice");
        nodeStillServesWellBehavedClients();
    }

    @Test
    void handshakeWithExpiredClientTokenIsRefusedWithUnauthorized() {
        String expired = ClientToken.mint(cluster.tokenSecret(), "alice", Instant.now().minusSeconds(60));

        assertHandshakeRefused(expired, 401);
        nodeStillServesWellBehavedClients();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"signed with another secret", "user swapped", "signature cut", "garbage"})
    void handshakeWithForgedClientTokenIsRefusedWithUnauthorized(String forgery) {
        String genuine = ClientToken.mint(cluster.tokenSecret(), "alice");
        String forged;
        switch (forgery) {
            case "signed with another secret":
                forged = ClientToken.mint("not-the-secret", "alice");
                break;
            case "user swapped":
                String bob = ClientToken.mint(cluster.tokenSecret(), "bob");
                forged = bob.substring(0, bob.indexOf('.')) + genuine.substring(genuine.indexOf('.'));
                break;
            case "signature cut":
                forged = genuine.substring(0, genuine.length() - 4);
                break;
            default:
                forged = "not.a.token";
        }

        assertHandshakeRefused(forged, 401);
        nodeStillServesWellBehavedClients();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void nodeLogHasNoStackTraceOrErrorFromAnyBadInput() {
        String log = node.log().textSince(logMarkAfterStart);

        assertThat(LogFile.troubleLines(log)).as("stack trace or ERROR lines in %s after start-up", node.log()).isEmpty();
        assertThat(node.isAlive()).isTrue();
    }

    /**
     * A fresh client on the same node subscribes and receives an event published through the API: the
     * bad input before did not break the node.
     */
    private void nodeStillServesWellBehavedClients() {
        assertThat(node.isAlive()).as("%s still running", node).isTrue();
        try (WsClient client = node.connect()) {
            String channel = "wellbehaved." + Long.toHexString(System.nanoTime());
            client.subscribe(channel);
            String marker = UUID.randomUUID().toString();
            node.api().publishAccepted(channel, "check", Map.of("marker", marker));
            JsonNode event = client.awaitFrame(frame -> marker.equals(frame.path("data").path("marker").asText()), TIMEOUT);
            assertThat(event.path("channel").asText()).isEqualTo(channel);
        }
    }

    private void assertHandshakeRefused(String token, int status) {
        WebSocketHandshakeException refused = catchThrowableOfType(WebSocketHandshakeException.class,
                () -> node.ws().token(token).connect());

        assertThat(refused).as("handshake with token %s", token).isNotNull();
        assertThat(refused.getResponse().statusCode()).as("handshake status with token %s", token).isEqualTo(status);
    }

    private static JsonNode awaitError(WsClient client, int mark) {
        return client.awaitFrameAfter(mark, frame -> "error".equals(frame.path("op").asText()), TIMEOUT);
    }

    private static void assertErrorCode(JsonNode reply, String code) {
        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).as("reply %s", reply).isEqualTo(code);
        assertThat(reply.path("message").asText()).as("reply %s", reply).isNotBlank();
    }
}
