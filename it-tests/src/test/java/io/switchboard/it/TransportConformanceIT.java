package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.protocol.Connector;
import io.switchboard.testkit.protocol.ProtocolClient;
import io.switchboard.testkit.sse.SseClient;
import io.switchboard.testkit.sse.SseHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The protocol's conformance checks (subscribe, since and recovered, ordering, browser publish, errors,
 * limits, Origin, tokens, server closes), each run over the WebSocket and over SSE against the same three
 * real nodes. Over SSE the requests are POSTed in turn to the two nodes that do not hold the stream, so
 * every request is forwarded to its session by another node: no sticky sessions, and still the answers
 * come back in the order the requests were sent.
 */
class TransportConformanceIT {

    private static final int NODES = 3;
    private static final int MAX_FRAME = 65536;
    private static final int MAX_SUBSCRIPTIONS = 100;
    private static final int PUBLISH_RATE = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What carries a client's connection. */
    enum Transport { WEBSOCKET, SSE }

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(NODES);

    // ---- subscribe, ordering, since ------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Transport.class)
    void everySubscriberOnEveryNodeReceivesEveryEventOnceWithContiguousOffsetsInPublishOrder(Transport transport) {
        String channel = unique("delivery");
        List<ProtocolClient> subscribers = new ArrayList<>();
        List<Offset> subscribedAt = new ArrayList<>();
        for (int i = 0; i < 2 * NODES; i++) {
            ProtocolClient client = connect(transport, cluster.node(i % NODES + 1));
            subscribedAt.add(Offset.parse(client.subscribe(channel).path("offset").asText()));
            subscribers.add(client);
        }
        int events = 90;
        List<String> offsets = new ArrayList<>();
        for (int n = 0; n < events; n++) {
            offsets.add(cluster.node(n % NODES + 1).api().publishAccepted(channel, "tick", Map.of("n", n)));
        }

        for (int c = 0; c < subscribers.size(); c++) {
            ProtocolClient client = subscribers.get(c);
            List<JsonNode> received = client.awaitEvents(channel, events, TIMEOUT);
            assertThat(received).as("events of %s", client).hasSize(events);
            assertThat(received).extracting(e -> e.path("data").path("n").asInt()).as("n received by %s", client)
                    .isSorted().doesNotHaveDuplicates();
            assertThat(received).extracting(e -> e.path("offset").asText()).as("offsets received by %s", client)
                    .containsExactlyElementsOf(offsets);
            Offset first = Offset.parse(offsets.get(0));
            Offset last = Offset.parse(offsets.get(events - 1));
            assertThat(last.seq() - first.seq()).as("offsets are contiguous").isEqualTo(events - 1);
            assertThat(subscribedAt.get(c).seq()).as("subscribed before the first event").isLessThan(first.seq());
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void subscribeWithSinceReplaysWhatWasMissedInOrderThenSaysRecovered(Transport transport) {
        String channel = unique("since");
        List<String> offsets = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            offsets.add(cluster.node(n % NODES + 1).api().publishAccepted(channel, "tick", Map.of("n", n)));
        }
        ProtocolClient client = connect(transport, cluster.node(2));

        JsonNode subscribed = client.subscribe(channel, offsets.get(1));
        String live = cluster.node(3).api().publishAccepted(channel, "tick", Map.of("n", 6));

        assertThat(subscribed.path("recovered").asBoolean()).as("reply %s", subscribed).isTrue();
        assertThat(subscribed.path("offset").asText()).isEqualTo(offsets.get(5));
        List<JsonNode> received = client.awaitEvents(channel, 5, TIMEOUT);
        assertThat(received).extracting(e -> e.path("offset").asText())
                .containsExactly(offsets.get(2), offsets.get(3), offsets.get(4), offsets.get(5), live);
        List<JsonNode> frames = client.frames();
        assertThat(frames.indexOf(subscribed)).as("subscribed follows the replayed events")
                .isGreaterThan(frames.indexOf(received.get(3))).isLessThan(frames.indexOf(received.get(4)));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void subscribeWithSinceOfAnUnknownEpochSaysNotRecovered(Transport transport) {
        String channel = unique("lost");
        String offset = cluster.node(1).api().publishAccepted(channel, "tick", Map.of("n", 1));
        ProtocolClient client = connect(transport, cluster.node(3));

        JsonNode subscribed = client.subscribe(channel, "zzzzzzzzzZZZZ-5");

        assertThat(subscribed.path("recovered").asBoolean()).as("reply %s", subscribed).isFalse();
        assertThat(subscribed.path("offset").asText()).isEqualTo(offset);
    }

    // ---- browser publish ---------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Transport.class)
    void browserPublishOnAChatChannelIsPublishedAndReachesASubscriberOnAnotherNode(Transport transport) {
        String channel = unique("chat.lobby");
        ProtocolClient subscriber = connect(transport, cluster.node(3));
        subscriber.subscribe(channel);
        ProtocolClient publisher = connect(transport, cluster.node(1));
        String text = "hello " + UUID.randomUUID();

        JsonNode reply = publisher.publish(channel, "say", Map.of("text", text));

        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("published");
        JsonNode event = subscriber.awaitFrame(frame -> text.equals(frame.path("data").path("text").asText()), TIMEOUT);
        assertThat(event.path("offset").asText()).isEqualTo(reply.path("offset").asText());
        assertThat(event.path("event").asText()).isEqualTo("say");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void browserPublishOnAChannelNotOpenToBrowsersIsForbidden(Transport transport) {
        ProtocolClient client = connect(transport, cluster.node(2));

        JsonNode reply = client.publish(unique("news"), "fake", Map.of("message", "not from the server"));

        assertErrorCode(reply, "forbidden");
        client.ping();
    }

    // ---- errors and limits -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Transport.class)
    void badRequestsAreEachAnsweredWithTheirErrorInTheOrderSentAndTheConnectionStaysOpen(Transport transport) {
        ProtocolClient client = connect(transport, cluster.node(1));
        List<String> frames = List.of(
                "{\"op\": \"subscribe\", \"channel\": ",
                "{'op':'ping'}",
                "[1,2,3]",
                "{\"op\":\"SUBSCRIBE\",\"id\":\"e3\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news!\",\"id\":\"e4\"}",
                "{\"op\":\"subscribe\",\"channel\":\"@someone\",\"id\":\"e5\"}",
                "{\"op\":\"subscribe\",\"channel\":\"private-x\",\"id\":\"e6\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"not-an-offset!\",\"id\":\"e7\"}",
                "{\"op\":\"publish\",\"channel\":\"chat.x\",\"event\":5,\"data\":{},\"id\":\"e8\"}",
                "{\"op\":\"subscribe\",\"channel\":\"" + "x".repeat(129) + "\",\"id\":\"e9\"}");
        List<String> expected = List.of("bad_request", "bad_request", "bad_request", "unknown_op", "bad_request",
                "forbidden", "forbidden", "bad_request", "bad_request", "bad_request");
        int rounds = 5;
        int mark = client.mark();
        for (int round = 0; round < rounds; round++) {
            frames.forEach(client::send);
        }
        List<JsonNode> replies = fence(client, mark);

        assertThat(replies).as("one answer per frame").hasSize(rounds * frames.size());
        for (int i = 0; i < replies.size(); i++) {
            JsonNode reply = replies.get(i);
            String frame = frames.get(i % frames.size());
            assertThat(reply.path("op").asText()).as("answer %d to %s: %s", i, frame, reply).isEqualTo("error");
            assertThat(reply.path("code").asText()).as("answer %d to %s: %s", i, frame, reply)
                    .isEqualTo(expected.get(i % frames.size()));
            if (frame.contains("\"id\":\"e")) {
                assertThat(reply.path("id").asText()).as("id of answer %d", i).isEqualTo(frame.replaceAll(".*\"id\":\"(e\\d+)\".*", "$1"));
            }
        }
        assertThat(client.isOpen()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void subscriptionsBeyondTheLimitAreTooLarge(Transport transport) {
        ProtocolClient client = connect(transport, cluster.node(2));
        String prefix = unique("limit") + ".";
        int total = MAX_SUBSCRIPTIONS + 10;
        int mark = client.mark();
        for (int i = 0; i < total; i++) {
            client.send(Json.object().put("op", "subscribe").put("channel", prefix + i).put("id", "f" + i));
        }
        // A subscribe is answered once its history was read, after the refusals: wait for every answer.
        List<JsonNode> replies = new ArrayList<>(awaitReplies(client, mark, "f", total));
        replies.sort(Comparator.comparingInt(reply -> Integer.parseInt(reply.path("id").asText().substring(1))));

        assertThat(replies).hasSize(total);
        assertThat(replies.subList(0, MAX_SUBSCRIPTIONS)).allSatisfy(reply ->
                assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("subscribed"));
        assertThat(replies.subList(MAX_SUBSCRIPTIONS, total)).allSatisfy(reply -> assertErrorCode(reply, "too_large"));
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aPublishFloodIsRateLimitedAndTheConnectionStaysOpen(Transport transport) {
        ProtocolClient client = connect(transport, cluster.node(3));
        String channel = unique("chat.flood");
        int count = 200;
        int mark = client.mark();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ObjectNode frame = Json.object().put("op", "publish").put("channel", channel).put("event", "say").put("id", "p" + i);
            frame.set("data", Json.object().put("i", i));
            client.send(frame);
        }
        // A publish is answered once the bus took it, after the refusals: wait for every answer.
        List<JsonNode> replies = awaitReplies(client, mark, "p", count);
        double seconds = (System.nanoTime() - started) / 1e9;

        long published = replies.stream().filter(reply -> "published".equals(reply.path("op").asText())).count();
        long limited = replies.stream().filter(reply -> "rate_limited".equals(reply.path("code").asText())).count();
        assertThat(published + limited).as("published %d, rate_limited %d of %d", published, limited, count).isEqualTo(count);
        assertThat(published).as("published in %.1f s", seconds).isPositive()
                .isLessThanOrEqualTo((long) Math.ceil(PUBLISH_RATE + PUBLISH_RATE * (seconds + 1)));
        assertThat(limited).isPositive();
        client.ping();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aFrameOverMaxFrameIsRefused(Transport transport) {
        ProtocolClient client = connect(transport, cluster.node(1));
        String tooLarge = "{\"op\":\"ping\",\"pad\":\"" + "p".repeat(MAX_FRAME) + "\"}";

        if (transport == Transport.WEBSOCKET) {
            // The frame is already on its way when it is found too large: the connection ends with 1009.
            client.send(tooLarge);
            assertThat(client.awaitClose(TIMEOUT).code()).isEqualTo(1009);
        } else {
            // A POST can be refused alone: 413, nothing of it reaches the session, which goes on.
            SseClient.Answer answer = ((SseClient) client).post(tooLarge);
            assertThat(answer.status()).as("answer %s", answer).isEqualTo(413);
            assertThat(Json.parse(answer.body()).path("error").asText()).isEqualTo("too_large");
            client.ping();
        }
    }

    // ---- Origin, tokens, closes ----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Transport.class)
    void handshakesFromForeignOriginsAreForbidden(Transport transport) {
        ServerNode node = cluster.node(2);
        int port = node.port();
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:1", "http://evil.example:" + port,
                "http://localhost.evil.example:" + port, "chrome-extension://abcdef")) {
            assertThat(handshakeStatus(transport, node, options -> options.origin(origin)))
                    .as("handshake with Origin %s", origin).isEqualTo(403);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void handshakesWithForgedOrExpiredTokensAreUnauthorized(Transport transport) {
        String secret = cluster.tokenSecret();
        String genuine = ClientToken.mint(secret, "alice");
        for (String token : List.of(ClientToken.mint("not-the-secret-of-this-cluster", "alice"),
                ClientToken.mint(secret, "alice", Instant.now().minusSeconds(1)), genuine.substring(0, genuine.length() - 4),
                "not.a.token")) {
            assertThat(handshakeStatus(transport, cluster.node(3), options -> options.token(token)))
                    .as("handshake with token %s", token).isEqualTo(401);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aValidTokenIdentifiesTheUserWhoseEventsAndPrivateChannelItReceives(Transport transport) {
        String user = "erin-" + Long.toHexString(System.nanoTime());
        ProtocolClient client = connect(transport, cluster.node(1),
                options -> options.token(cluster.token(user)));

        assertThat(client.user()).isEqualTo(user);
        assertThat(client.subscribe("private-" + user).path("channel").asText()).isEqualTo("private-" + user);
        String note = UUID.randomUUID().toString();
        assertThat(cluster.node(3).api().publishToUser(user, "note", Map.of("text", note)).status()).isEqualTo(202);
        JsonNode event = client.awaitFrame(frame -> note.equals(frame.path("data").path("text").asText()), TIMEOUT);
        assertThat(event.path("channel").asText()).isEqualTo("@user");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aConnectionWhoseTokenExpiresIsClosedWith4401(Transport transport) {
        String token = ClientToken.mint(cluster.tokenSecret(), "frank", Instant.now().plusSeconds(2));
        ProtocolClient client = connect(transport, cluster.node(2), options -> options.token(token));

        ProtocolClient.Close close = client.awaitClose(TIMEOUT);

        assertThat(close.code()).isEqualTo(4401);
        assertThat(close.reason()).isEqualTo("token expired");
    }

    // ---- what only SSE has: the session in the URL and its secret ---------------------------------------

    @Test
    void sseRequestsForAnUnknownSessionAreNotFoundAndWithAWrongSecretForbiddenOnEveryNode() {
        SseClient client = (SseClient) connect(Transport.SSE, cluster.node(1));
        byte[] ping = "{\"op\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
        String wrong = new StringBuilder(client.secret()).reverse().toString();

        for (ServerNode node : cluster.nodes()) {
            assertThat(client.post(node.baseUri(), client.session(), wrong, ping).status())
                    .as("wrong secret through %s", node).isEqualTo(403);
            assertThat(client.post(node.baseUri(), "node-1.AAAAAAAAAAAAAAAAAAAAAA", client.secret(), ping).status())
                    .as("unknown session of node-1 through %s", node).isEqualTo(404);
            assertThat(client.post(node.baseUri(), "node-9.AAAAAAAAAAAAAAAAAAAAAA", client.secret(), ping).status())
                    .as("session of a node that does not exist, through %s", node).isEqualTo(404);
            assertThat(client.post(node.baseUri(), client.session(), client.secret(), ping).status())
                    .as("the right secret through %s", node).isEqualTo(202);
        }
        client.ping();
    }

    @Test
    void sseRequestsFromAForeignOriginAreForbiddenOnEveryNode() {
        SseClient client = (SseClient) connect(Transport.SSE, cluster.node(2));
        for (ServerNode node : cluster.nodes()) {
            assertThat(client.postFromOrigin(node.baseUri(), "http://evil.example", "{\"op\":\"ping\"}").status())
                    .as("POST from a foreign page through %s", node).isEqualTo(403);
        }
        client.ping();
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** A client of {@code node}; over SSE its requests go in turn to the other nodes. */
    private ProtocolClient connect(Transport transport, ServerNode node) {
        return connect(transport, node, UnaryOperator.identity());
    }

    private ProtocolClient connect(Transport transport, ServerNode node, UnaryOperator<Connector<?>> options) {
        try {
            return cluster.keep(options.apply(connector(transport, node)).connect());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + node + " over " + transport, e);
        }
    }

    /** The status of a refused handshake (101 or 200 when it was accepted). */
    private int handshakeStatus(Transport transport, ServerNode node, UnaryOperator<Connector<?>> options) {
        try {
            options.apply(connector(transport, node)).connect().close();
            return transport == Transport.WEBSOCKET ? 101 : 200;
        } catch (WebSocketHandshakeException e) {
            return e.getResponse().statusCode();
        } catch (SseHandshakeException e) {
            return e.status();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A connection to {@code node} over {@code transport}, to configure; over SSE its requests go to the other nodes. */
    private static Connector<?> connector(Transport transport, ServerNode node) {
        return transport == Transport.WEBSOCKET ? node.ws() : node.sse().postTo(cluster.nodes().stream()
                .filter(other -> other != node).map(ServerNode::baseUri).collect(Collectors.toList()));
    }

    /** The answers to what was sent since {@code mark}, without events and server pings (see framesUntilPong). */
    private static List<JsonNode> fence(ProtocolClient client, int mark) {
        return client.framesUntilPong(mark, TIMEOUT).stream()
                .filter(frame -> !"event".equals(frame.path("op").asText()) && !"ping".equals(frame.path("op").asText()))
                .collect(Collectors.toList());
    }

    /** Waits until {@code count} answers whose id is {@code idPrefix<n>} arrived after {@code mark}; returns them. */
    private static List<JsonNode> awaitReplies(ProtocolClient client, int mark, String idPrefix, int count) {
        return Await.until(count + " answers with ids " + idPrefix + "*", TIMEOUT, () -> {
            List<JsonNode> frames = client.frames();
            return frames.subList(mark, frames.size()).stream()
                    .filter(reply -> reply.path("id").asText("").matches(idPrefix + "\\d+")).collect(Collectors.toList());
        }, replies -> replies.size() >= count);
    }

    private static void assertErrorCode(JsonNode reply, String code) {
        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).as("reply %s", reply).isEqualTo(code);
        assertThat(reply.path("message").asText()).as("reply %s", reply).isNotBlank();
    }

    private static String unique(String prefix) {
        return prefix + "." + UUID.randomUUID().toString().substring(0, 8);
    }
}
