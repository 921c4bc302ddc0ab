package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.RawWebSocket;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad and hostile input at one real node, from single malformed requests to thousands of them: malformed
 * frames of every kind, subscription and publish floods, handshakes from foreign Origins or with forged and
 * expired tokens, API calls with bad tokens, bad paths and oversized bodies; and, next to them, the valid
 * requests closest to the limits, which are accepted. Each bad input gets its documented answer (an
 * {@code error} frame with its code on a connection that stays open, a close code, an HTTP status).
 *
 * <p>Every test ends by checking that the node is unharmed (see {@link #assertNodeUnharmed()}): it still
 * serves a well-behaved client connected since the test began and a fresh one, it counted exactly this
 * test's refused frames as protocol errors, and its log holds no stack trace or error written during the
 * test. Tests share the node but nothing else: each has its own connections, channel names, watcher and
 * random inputs (a fixed seed per test, so a failure can be replayed), and runs alone or in any order.
 * Every loop is bounded and everything stays on 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long SEED = 20261129L;
    private static final int MAX_FRAME = 65536;
    private static final int MAX_BODY = 1048576;
    private static final int MAX_SUBSCRIPTIONS = 100;
    private static final int PUBLISH_RATE = 20;
    /** An error message never echoes a large input back. */
    private static final int MAX_ERROR_MESSAGE = 2048;
    /** The rows this class added to the fault report, for its summary line. */
    private static final List<String> HOSTILE_KINDS = new ArrayList<>();

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(1);

    private ServerNode node;

    // Per test, set by startTest: nothing here carries over from one test to the next.
    private Random random;
    private String watchChannel;
    private WsClient watcher;
    private long logMark;
    private long protocolErrorsBefore;
    private long errorFramesAnswered;

    @BeforeAll
    void findNode() {
        node = cluster.node(1);
    }

    /**
     * Marks where this test's part of the node's log and protocol-error count begins, connects this test's
     * well-behaved watcher, and seeds this test's random inputs from the test's name (the same inputs whatever
     * ran before).
     */
    @BeforeEach
    void startTest(TestInfo test) {
        random = new Random(SEED ^ test.getTestMethod().orElseThrow().getName().hashCode());
        logMark = node.log().mark();
        protocolErrorsBefore = figures().path("protocolErrors").asLong();
        errorFramesAnswered = 0;
        watchChannel = unique("hostile.watch");
        watcher = cluster.connect(1);
        watcher.subscribe(watchChannel);
    }

    @AfterAll
    void report() {
        FaultReport.note("e", String.format(Locale.ROOT, "(e) hostile input: %d kinds, all on one node, in %.1f s",
                HOSTILE_KINDS.size(), cluster.sinceStart().toMillis() / 1000.0));
        FaultReport.print();
    }

    // ---- malformed frames ---------------------------------------------------------------------------

    @Test
    void invalidJsonFramesAreEachBadRequestAndTheConnectionStaysOpen() {
        List<String> frames = new ArrayList<>();
        List<Supplier<String>> kinds = List.of(
                () -> "{\"op\": \"subscribe\", \"channel\": ",
                () -> "{'op':'ping'}",
                () -> "{\"op\":\"ping\"} trailing",
                () -> "{\"op\":\"ping\",}",
                () -> "NaN",
                () -> "",
                () -> "   ",
                () -> "{\"op\":\"ping\"" + "}".repeat(2 + random.nextInt(5)),
                () -> "9".repeat(2000 + random.nextInt(2000)),
                () -> randomPrintable(1 + random.nextInt(400)),
                () -> "\"" + "x".repeat(random.nextInt(1000)),
                () -> "{\"op\":\"ping\",\"id\":\"\\u00\"}",
                () -> "[1,2,3",
                () -> "null",
                () -> "true",
                () -> "42");
        for (int i = 0; i < 1000; i++) {
            frames.add(kinds.get(i % kinds.size()).get());
        }

        exchangeExpectingErrors("a1", "invalid JSON (truncated, single quotes, trailing tokens, bare values, noise)",
                frames, "bad_request");
    }

    @Test
    void deeplyNestedFramesAreBadRequest() {
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            // Up to some 60 000 characters: deep, but within the frame limit.
            String nested = i % 2 == 0
                    ? "[".repeat(65 + random.nextInt(30_000)) + "]".repeat(65)
                    : "{\"a\":".repeat(65 + random.nextInt(10_000)) + "1}";
            frames.add("{\"op\":\"publish\",\"channel\":\"chat.deep\",\"event\":\"e\",\"data\":" + nested + "}");
        }

        exchangeExpectingErrors("a2", "JSON nested deeper than 64 (65 to 30 000 levels)", frames, "bad_request");
    }

    @Test
    void hugeStringsInEveryFieldGetTheirErrorWithoutBeingEchoed() {
        String huge = "h".repeat(60_000);
        List<String> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            frames.add(Json.write(Json.object().put("op", huge)));
            expected.add("unknown_op");
            frames.add(Json.write(Json.object().put("op", "subscribe").put("channel", huge)));
            expected.add("bad_request");
            frames.add(Json.write(Json.object().put("op", "publish").put("channel", "chat.huge").put("event", huge)));
            expected.add("bad_request");
            frames.add(Json.write(Json.object().put("op", "subscribe").put("channel", "huge").put("since", huge)));
            expected.add("bad_request");
        }

        exchange("a3", "strings of 60 000 characters as op, channel, event, since", frames, expected,
                "unknown_op / bad_request");
    }

    @Test
    void framesOverTheLimitAreClosedWithTooBig() {
        int sent = 0;
        int closedTooBig = 0;
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            WsClient client = cluster.connect(1);
            // Just over the limit: the node closes while the client may still be writing, and a frame far over
            // it could still be in flight when the close arrives.
            String what;
            try {
                if (i % 2 == 0) {
                    what = "text";
                    client.send("{\"op\":\"ping\",\"pad\":\"" + "p".repeat(MAX_FRAME + random.nextInt(4096)) + "\"}");
                } else {
                    what = "binary";
                    byte[] bytes = new byte[MAX_FRAME + 1 + random.nextInt(4096)];
                    random.nextBytes(bytes);
                    client.sendBinary(bytes);
                }
                sent++;
                int code = client.awaitClose(TIMEOUT).code();
                if (code == 1009) {
                    closedTooBig++;
                } else {
                    outcomes.add("frame " + i + " (" + what + "): close " + code);
                }
            } catch (AssertionError e) {
                outcomes.add("frame " + i + ": " + e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
            }
        }

        record("a4", "text and binary frames just over 64 KiB", 20, "close 1009", closedTooBig);
        assertThat(outcomes).as("connections not closed with 1009 (of 20)").isEmpty();
        assertNodeUnharmed();
    }

    @Test
    void textFramesThatAreNotUtf8AreClosedWithInvalidPayload() throws IOException {
        byte[][] invalid = {
                {(byte) 0xC3, 0x28},                                  // truncated two-byte sequence
                {(byte) 0xFF, (byte) 0xFE, 0x7B, 0x7D},               // bytes that never occur in UTF-8
                {(byte) 0xC0, (byte) 0xAF},                           // overlong '/'
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80},              // UTF-16 surrogate
                {0x7B, 0x22, 0x6F, 0x70, 0x22, 0x3A, (byte) 0x80, 0x7D}, // stray continuation byte inside JSON
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
        };
        int sent = 0;
        int closed1007 = 0;
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            try (RawWebSocket socket = RawWebSocket.open(node, 0)) {
                assertThat(socket.status()).isEqualTo(101);
                socket.readText(TIMEOUT); // welcome
                socket.sendFrame(RawWebSocket.TEXT, invalid[i % invalid.length]);
                sent++;
                int code = socket.awaitCloseCode(TIMEOUT);
                if (code == 1007) {
                    closed1007++;
                } else {
                    outcomes.add("frame " + i + " (kind " + i % invalid.length + "): "
                            + (code == -1 ? "no close frame, " + socket.lastFailure() : "close " + code));
                }
            }
        }

        record("a5", "text frames that are not valid UTF-8", sent, "close 1007 (by the container)", closed1007);
        assertThat(outcomes).as("connections not closed with 1007 (of %d)", sent).isEmpty();
        assertNodeUnharmed();
    }

    @Test
    void binaryFramesAreEachBadRequestAndTheConnectionStaysOpen() {
        WsClient client = cluster.connect(1);
        int mark = client.mark();
        int count = 500;
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[1 + random.nextInt(2000)];
            random.nextBytes(bytes);
            client.sendBinary(bytes);
        }
        List<JsonNode> replies = client.framesUntilPong(mark, TIMEOUT);

        long asExpected = replies.stream().filter(reply -> isError(reply, "bad_request")).count();
        record("a6", "binary frames", count, "error bad_request, connection open", asExpected);
        errorFramesAnswered += replies.size();
        assertThat(replies).hasSize(count).allSatisfy(reply -> assertError(reply, "bad_request"));
        assertNodeUnharmed();
    }

    @Test
    void unknownOpsAreEachUnknownOpWithTheirId() {
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            String op = i % 5 == 0 ? "SUBSCRIBE" : i % 5 == 1 ? "" : i % 5 == 2 ? "subscribe\n" : i % 5 == 3
                    ? "psubscribe" : randomPrintable(1 + random.nextInt(40));
            frames.add(Json.write(Json.object().put("op", op).put("id", "u" + i)));
        }

        List<JsonNode> replies = exchangeExpectingErrors("a7", "unknown ops (case, whitespace, Redis commands, noise)",
                frames, "unknown_op");
        for (int i = 0; i < replies.size(); i++) {
            assertThat(replies.get(i).path("id").asText()).as("id of the answer to frame %d", i).isEqualTo("u" + i);
        }
    }

    @Test
    void fieldsMissingOrOfTheWrongTypeAreEachBadRequest() {
        List<String> templates = List.of(
                "{\"op\":\"subscribe\"}", "{\"op\":\"unsubscribe\"}", "{\"channel\":\"news\"}",
                "{\"op\":\"publish\",\"channel\":\"chat.lobby\",\"data\":{\"text\":\"hi\"}}",
                "{\"op\":\"publish\",\"event\":\"say\",\"data\":{}}",
                "[\"subscribe\",\"news\"]", "\"subscribe\"",
                "{\"op\":1}", "{\"op\":null}", "{\"op\":[\"ping\"]}", "{\"op\":{\"op\":\"ping\"}}", "{\"op\":true}",
                "{\"op\":\"ping\",\"id\":{}}", "{\"op\":\"ping\",\"id\":[1]}", "{\"op\":\"ping\",\"id\":true}",
                "{\"op\":\"subscribe\",\"channel\":42}", "{\"op\":\"subscribe\",\"channel\":null}",
                "{\"op\":\"subscribe\",\"channel\":[\"news\"]}", "{\"op\":\"subscribe\",\"channel\":{\"name\":\"news\"}}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":5}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"not-an-offset!\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"abc-\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"abc--1\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":\"abc-99999999999999999999999\"}",
                "{\"op\":\"subscribe\",\"channel\":\"news\",\"since\":{}}",
                "{\"op\":\"unsubscribe\",\"channel\":7}",
                "{\"op\":\"publish\",\"channel\":\"chat.x\",\"event\":5,\"data\":{}}",
                "{\"op\":\"publish\",\"channel\":\"chat.x\",\"event\":null,\"data\":{}}",
                "{\"op\":\"publish\",\"channel\":\"chat.x\",\"event\":\"\",\"data\":{}}",
                "{\"op\":\"publish\",\"channel\":\"chat.x\",\"event\":\"a\\nb\",\"data\":{}}",
                "{\"op\":\"publish\",\"channel\":false,\"event\":\"e\"}");
        List<String> frames = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            frames.add(templates.get(i % templates.size()));
        }

        exchangeExpectingErrors("a8", "fields missing, of the wrong type or shape (op, id, channel, since, event); "
                + "JSON that is not an object", frames,
                "bad_request");
    }

    @Test
    void badChannelNamesAreBadRequestAndReservedOnesForbidden() {
        List<String> names = List.of("*", "news!", "news.*", "news.>", "?", "[abc]", "news#", "news\n", "a\r\nPUBLISH x y",
                "tab\tbed", "with space", "ünïcode", "emoji\uD83D\uDE00", "", "x".repeat(129), "y".repeat(10_000),
                "news/../admin", "news%2A", "{a}", "news\u0000");
        List<String> ops = List.of("subscribe", "unsubscribe", "publish");
        List<String> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            String op = ops.get(i % ops.size());
            ObjectNode frame = Json.object().put("op", op).put("id", "c" + i);
            if (i % 20 == 19) {
                frame.put("channel", i % 40 == 39 ? "@user" : "@" + randomPrintable(5).replaceAll("[^A-Za-z0-9]", "x"));
                expected.add("forbidden");
            } else {
                frame.put("channel", names.get((i / ops.size()) % names.size()));
                expected.add("bad_request");
            }
            if ("publish".equals(op)) {
                frame.put("event", "e").set("data", Json.object());
            }
            frames.add(Json.write(frame));
        }

        exchange("a9", "channel names with wildcards, newlines, control characters, 129 to 10 000 characters; "
                + "reserved '@' names", frames, expected, "bad_request / forbidden ('@')");
    }

    // ---- floods -----------------------------------------------------------------------------------------

    @Test
    void subscriptionsBeyondTheLimitAreTooLarge() {
        WsClient client = cluster.connect(1);
        String prefix = "flood." + Long.toHexString(System.nanoTime()) + ".";
        int mark = client.mark();
        int total = MAX_SUBSCRIPTIONS + 200;
        for (int i = 0; i < total; i++) {
            client.send(Json.object().put("op", "subscribe").put("channel", prefix + i).put("id", "f" + i));
        }
        List<JsonNode> replies = awaitReplies(client, mark, "f", total);
        long subscribed = replies.stream().filter(reply -> "subscribed".equals(reply.path("op").asText())).count();
        long tooLarge = replies.stream().filter(reply -> isError(reply, "too_large")).count();
        errorFramesAnswered += tooLarge;
        record("b1", "subscriptions beyond " + MAX_SUBSCRIPTIONS + " on one connection", total - MAX_SUBSCRIPTIONS,
                "error too_large", tooLarge);
        assertThat(subscribed).isEqualTo(MAX_SUBSCRIPTIONS);
        assertThat(tooLarge).isEqualTo(total - MAX_SUBSCRIPTIONS);

        assertNodeUnharmed();
    }

    @Test
    void subscribeUnsubscribeChurnAnswersEveryRequestAndLeavesNoRedisSubscriptionBehind() {
        // Subscribe and unsubscribe, as fast as the frames go, on channels nobody else uses.
        WsClient churner = cluster.connect(1);
        String churn = "churn." + Long.toHexString(System.nanoTime()) + ".";
        long keysBefore = (Long) cluster.redis().command("DBSIZE");
        int pairs = 500;
        int mark = churner.mark();
        for (int i = 0; i < pairs; i++) {
            churner.send(Json.object().put("op", "subscribe").put("channel", churn + i).put("id", "s" + i));
            churner.send(Json.object().put("op", "unsubscribe").put("channel", churn + i).put("id", "u" + i));
        }
        List<JsonNode> unsubscribes = awaitReplies(churner, mark, "u", pairs);
        Await.within(Duration.ofSeconds(10), () -> replies(churner, mark, "s").size() >= pairs);
        List<JsonNode> subscribes = replies(churner, mark, "s");
        String leftBehind = "switchboard:ch:" + churn + "*";
        Await.within(Duration.ofSeconds(10), () -> cluster.redis().subscribedChannels(leftBehind).isEmpty());
        List<String> leaked = cluster.redis().subscribedChannels(leftBehind);
        long keysAfter = (Long) cluster.redis().command("DBSIZE");
        Map<String, Long> subscribeAnswers = new TreeMap<>();
        subscribes.forEach(reply -> subscribeAnswers.merge(reply.path("op").asText()
                + (reply.has("code") ? " " + reply.path("code").asText() : ""), 1L, Long::sum));
        long unsubscribed = unsubscribes.stream().filter(reply -> "unsubscribed".equals(reply.path("op").asText())).count();
        long rateLimited = subscribeAnswers.getOrDefault("error rate_limited", 0L);
        errorFramesAnswered += rateLimited;
        record("b2", "subscribe + unsubscribe churn on fresh channel names", 2L * pairs,
                "subscribed (or rate_limited beyond subscribe-rate), then unsubscribed, for each pair; "
                        + "no Redis subscription left",
                subscribeAnswers.getOrDefault("subscribed", 0L) + rateLimited + unsubscribed);
        FaultReport.note("e-b2", "(e) " + pairs + " subscribe/unsubscribe pairs on fresh channel names from one anonymous "
                + "connection: subscribes answered " + subscribeAnswers + " (" + (pairs - subscribes.size())
                + " unanswered), " + unsubscribed + " unsubscribed; Redis subscriptions left after up to 10 s: " + leaked.size()
                + " (node figures " + figures() + "); new keys left in Redis: " + (keysAfter - keysBefore));

        assertThat(unsubscribed).isEqualTo(pairs);
        assertThat(subscribes).as("answers to the %d subscribes (by code: %s)", pairs, subscribeAnswers).hasSize(pairs);
        // A burst of max-subscriptions, then subscribe-rate per second: the rest are rate_limited.
        assertThat(subscribeAnswers.keySet()).as("answers to the subscribes").isSubsetOf("subscribed", "error rate_limited");
        assertThat(subscribeAnswers.get("subscribed")).as("subscribes within the burst").isGreaterThanOrEqualTo(MAX_SUBSCRIPTIONS);
        assertThat(leaked).as("Redis channels still subscribed although no client listens").isEmpty();
        assertNodeUnharmed();
    }

    @Test
    void publishFloodIsRateLimitedAndTheConnectionStaysOpen() {
        WsClient client = cluster.connect(1);
        String channel = unique("chat.flood");
        int count = 1000;
        int mark = client.mark();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ObjectNode frame = Json.object().put("op", "publish").put("channel", channel).put("event", "say")
                    .put("id", "p" + i);
            frame.set("data", Json.object().put("i", i));
            client.send(frame);
        }
        List<JsonNode> replies = awaitReplies(client, mark, "p", count);
        // The node may take until the last answer to read every frame: its bucket refills all that time.
        double seconds = (System.nanoTime() - started) / 1e9;
        long published = replies.stream().filter(reply -> "published".equals(reply.path("op").asText())).count();
        long limited = replies.stream().filter(reply -> isError(reply, "rate_limited")).count();
        errorFramesAnswered += limited;

        record("b3", "publish flood: " + count + " publishes from one browser connection as fast as it sends", count,
                "published up to " + PUBLISH_RATE + "/s, then error rate_limited", published + limited);
        assertThat(published + limited).as("published %d, rate_limited %d", published, limited).isEqualTo(count);
        assertThat(published).as("published in %.1f s", seconds).isPositive()
                .isLessThanOrEqualTo((long) Math.ceil(PUBLISH_RATE + PUBLISH_RATE * (seconds + 1)));
        assertThat(limited).isPositive();
        client.ping();
        assertNodeUnharmed();
    }

    // ---- handshakes ---------------------------------------------------------------------------------------

    @Test
    void handshakesFromForeignOriginsAreForbidden() {
        int port = node.port();
        List<String> origins = List.of("http://evil.example", "null", "http://127.0.0.1:1", "http://127.0.0.1." + "evil.example:" + port,
                "http://evil.example:" + port, "http://localhost.evil.example:" + port, "http://127.0.0.1:" + port + "@evil.example",
                "chrome-extension://abcdef", "file://", "http://[::1]:" + port, "http://127.0.0.2:" + port, "not a url");
        int sent = 0;
        int forbidden = 0;
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            String origin = origins.get(i % origins.size());
            sent++;
            int status = handshakeStatus(node.ws().origin(origin));
            answers.add(origin + " -> " + status);
            if (status == 403) {
                forbidden++;
            }
        }

        record("c1", "WebSocket handshakes from foreign Origins", sent, "HTTP 403", forbidden);
        assertThat(answers).as("handshake answers").allMatch(answer -> answer.endsWith("-> 403"));
        assertNodeUnharmed();
    }

    @Test
    void handshakesWithForgedOrExpiredTokensAreUnauthorized() {
        String secret = cluster.tokenSecret();
        String genuine = ClientToken.mint(secret, "alice");
        String bob = ClientToken.mint(secret, "bob");
        List<String> tokens = List.of(
                ClientToken.mint("not-the-secret", "alice"),
                ClientToken.mint(secret, "alice", Instant.now().minusSeconds(1)),
                ClientToken.mint(secret, "alice", Instant.now().minusSeconds(86_400 * 365)),
                bob.substring(0, bob.indexOf('.')) + genuine.substring(genuine.indexOf('.')),
                genuine.substring(0, genuine.length() - 4),
                genuine + "AAAA",
                genuine.replace('.', '_'),
                "not.a.token", "...", "", "a.b.c.d", "YWxpY2U.99999999999999.AAAA",
                "x".repeat(5000),
                genuine.substring(0, genuine.lastIndexOf('.') + 1) + "%2F%2B%3D");
        int sent = 0;
        int unauthorized = 0;
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 140; i++) {
            String token = tokens.get(i % tokens.size());
            sent++;
            int status = handshakeStatus(node.ws().token(token));
            answers.add(abbreviate(token) + " -> " + status);
            if (status == 401) {
                unauthorized++;
            }
        }

        record("c2", "WebSocket handshakes with forged, expired, cut or oversized client tokens", sent, "HTTP 401",
                unauthorized);
        assertThat(answers).as("handshake answers").allMatch(answer -> answer.endsWith("-> 401"));
        assertNodeUnharmed();
    }

    // ---- the HTTP API ------------------------------------------------------------------------------------

    @Test
    void apiCallsWithMissingOrWrongCredentialsAreUnauthorized() {
        String token = cluster.apiToken();
        List<String> authorizations = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer wrong", "Basic " + token,
                "Bearer " + token + "x", "Bearer " + token.substring(1), "Token " + token, "Bearer " + "t".repeat(6000),
                "Bearer " + token.toUpperCase(), token));
        authorizations.add(null);
        List<String[]> requests = List.of(
                new String[]{"POST", "/switchboard/api/channels/news/events", "{\"event\":\"x\",\"data\":1}"},
                new String[]{"POST", "/switchboard/api/events", "{\"events\":[{\"channel\":\"news\",\"event\":\"x\"}]}"},
                new String[]{"POST", "/switchboard/api/users/alice/events", "{\"event\":\"x\",\"data\":1}"},
                new String[]{"GET", "/switchboard/api/channels/news/history", null},
                new String[]{"GET", "/switchboard/api/stats", null});
        int sent = 0;
        int unauthorized = 0;
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            String authorization = authorizations.get(i % authorizations.size());
            String[] request = requests.get(i % requests.size());
            sent++;
            ApiClient api = node.api().withAuthorization(authorization);
            ApiResponse response = "POST".equals(request[0]) ? api.post(request[1], request[2]) : api.get(request[1]);
            if (response.status() == 401 && response.json().path("error").isTextual()) {
                unauthorized++;
            } else {
                wrong.add(request[0] + " " + request[1] + " with '" + abbreviate(String.valueOf(authorization)) + "': " + response);
            }
        }

        record("d1", "API calls without, with wrong or malformed bearer tokens", sent, "HTTP 401", unauthorized);
        assertThat(wrong).as("answers other than 401").isEmpty();
        assertNodeUnharmed();
    }

    @Test
    void apiBodiesOverTheLimitOrMalformedGetTheirStatus() {
        ApiClient api = node.api();
        // Expected answers by kind: the status, and the error code where the node names one in a JSON body.
        Map<String, String> cases = new LinkedHashMap<>();
        List<String> answers = new ArrayList<>();
        int sent = 0;
        int asExpected = 0;
        for (int i = 0; i < 30; i++) {
            String path = "/switchboard/api/channels/news/events";
            String big = "{\"event\":\"big\",\"data\":\"" + "x".repeat(MAX_BODY + random.nextInt(200_000)) + "\"}";
            String kind;
            String answer;
            switch (i % 6) {
                case 0 -> {
                    kind = "body over 1 MiB with Content-Length";
                    answer = Integer.toString(api.post(path, big).status());
                    cases.put(kind, "413");
                }
                case 1 -> {
                    kind = "body over 1 MiB, chunked";
                    answer = Integer.toString(api.postChunked(path, big.getBytes(StandardCharsets.UTF_8)).status());
                    cases.put(kind, "413");
                }
                case 2 -> {
                    kind = "event data over 64 KiB";
                    answer = statusAndError(api.post(path, "{\"event\":\"big\",\"data\":\"" + "d".repeat(MAX_FRAME + 1) + "\"}"));
                    cases.put(kind, "413 too_large");
                }
                case 3 -> {
                    kind = "batch of more than 100 events";
                    StringBuilder batch = new StringBuilder("{\"events\":[");
                    for (int e = 0; e < 101 + random.nextInt(400); e++) {
                        batch.append(e == 0 ? "" : ",").append("{\"channel\":\"news\",\"event\":\"x\",\"data\":").append(e).append('}');
                    }
                    answer = Integer.toString(api.post("/switchboard/api/events", batch + "]}").status());
                    cases.put(kind, "413");
                }
                case 4 -> {
                    kind = "body nested deeper than 64";
                    int depth = 65 + random.nextInt(50_000);
                    answer = Integer.toString(api.post(path, "{\"event\":\"x\",\"data\":" + "[".repeat(depth)
                            + "]".repeat(depth) + "}").status());
                    cases.put(kind, "400");
                }
                default -> {
                    kind = "body that is not JSON";
                    answer = statusAndError(api.post(path, randomPrintable(1 + random.nextInt(5000))));
                    cases.put(kind, "400 bad_request");
                }
            }
            sent++;
            answers.add(kind + " -> " + answer);
            if (answer.equals(cases.get(kind))) {
                asExpected++;
            }
        }

        record("d2", "API bodies over 1 MiB (sized and chunked), data over 64 KiB, batches over 100, deep nesting, "
                + "not JSON", sent, "HTTP 413 / 413 / 413 / 413 / 400 / 400", asExpected);
        assertThat(answers).as("answers").allSatisfy(answer -> {
            String kind = answer.substring(0, answer.indexOf(" -> "));
            assertThat(answer).isEqualTo(kind + " -> " + cases.get(kind));
        });
        assertNodeUnharmed();
    }

    // ---- the valid requests closest to the limits, and single refusals by rule -----------------------------

    @Test
    void channelNameOf128AllowedCharactersIsAccepted() {
        WsClient client = cluster.connect(1);
        String channel = ("Az09_.:@-" + "x".repeat(128)).substring(0, 128);

        JsonNode reply = client.subscribe(channel);

        assertThat(reply.path("channel").asText()).isEqualTo(channel);
        assertNodeUnharmed();
    }

    @ParameterizedTest
    @ValueSource(strings = {"private-x", "presence-room"})
    void anonymousSubscribeToPrivateOrPresenceChannelIsForbidden(String channel) {
        WsClient client = cluster.connect(1);

        JsonNode reply = client.request(Json.object().put("op", "subscribe").put("channel", channel));

        assertErrorCode(reply, "forbidden");
        client.ping();
        assertNodeUnharmed();
    }

    @Test
    void browserPublishOnChannelNotOpenToBrowsersIsForbidden() {
        String channel = unique("news");
        WsClient subscriber = cluster.connect(1);
        subscriber.subscribe(channel);
        WsClient client = cluster.connect(1);

        JsonNode reply = client.publish(channel, "fake", Map.of("message", "not from the server"));

        assertErrorCode(reply, "forbidden");
        client.ping();
        subscriber.ping();
        assertThat(subscriber.events(channel)).as("events on %s", channel).isEmpty();
        assertNodeUnharmed();
    }

    @Test
    void browserPublishOnChatChannelIsAcceptedAndDelivered() {
        String channel = unique("chat.lobby");
        WsClient subscriber = cluster.connect(1);
        subscriber.subscribe(channel);
        WsClient client = cluster.connect(1);
        String text = "hello " + UUID.randomUUID();

        JsonNode reply = client.publish(channel, "say", Map.of("text", text));

        assertThat(reply.path("op").asText()).as("reply %s", reply).isEqualTo("published");
        assertThat(reply.path("channel").asText()).isEqualTo(channel);
        Offset offset = Offset.parse(reply.path("offset").asText());
        JsonNode event = subscriber.awaitFrame(frame -> text.equals(frame.path("data").path("text").asText()), TIMEOUT);
        assertThat(event.path("channel").asText()).isEqualTo(channel);
        assertThat(event.path("event").asText()).isEqualTo("say");
        assertThat(Offset.parse(event.path("offset").asText())).isEqualTo(offset);
        assertNodeUnharmed();
    }

    @Test
    void handshakeWithValidClientTokenIdentifiesTheUser() {
        WsClient client = cluster.connect(1, "alice");

        assertThat(client.user()).isEqualTo("alice");
        assertThat(client.subscribe("private-alice").path("channel").asText()).isEqualTo("private-alice");
        assertNodeUnharmed();
    }

    @Test
    void apiPublishOnBadChannelNameIsBadRequest() {
        ApiResponse response = node.api().publish("news!", "tick", Map.of("n", 1));

        assertThat(response.status()).as("answer %s", response).isEqualTo(400);
        assertThat(response.json().path("error").asText()).as("answer %s", response).isEqualTo("bad_request");
        assertNodeUnharmed();
    }

    @Test
    void apiUnknownPathIsNotFoundAndWrongMethodIsMethodNotAllowed() {
        ApiResponse unknown = node.api().get("/switchboard/api/no-such-thing");
        ApiResponse wrongMethod = node.api().get("/switchboard/api/channels/news/events");

        assertThat(unknown.status()).as("answer %s", unknown).isEqualTo(404);
        assertThat(wrongMethod.status()).as("answer %s", wrongMethod).isEqualTo(405);
        assertNodeUnharmed();
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    /** Sends every frame on one connection, then checks each got an error with {@code code}; returns the answers. */
    private List<JsonNode> exchangeExpectingErrors(String key, String what, List<String> frames, String code) {
        List<String> expected = new ArrayList<>();
        frames.forEach(frame -> expected.add(code));
        return exchange(key, what, frames, expected, "error " + code + ", connection open");
    }

    /**
     * Sends every frame on one fresh connection without waiting, then a {@code ping} as a fence: the node answers
     * a connection's frames in order, so the answers before the {@code pong} are those to the frames, one each.
     * Records the row, asserts each answer, and checks the node is unharmed.
     */
    private List<JsonNode> exchange(String key, String what, List<String> frames, List<String> expectedCodes, String documented) {
        WsClient client = cluster.connect(1);
        int mark = client.mark();
        frames.forEach(client::send);
        List<JsonNode> replies = client.framesUntilPong(mark, TIMEOUT);
        long asExpected = 0;
        for (int i = 0; i < Math.min(replies.size(), expectedCodes.size()); i++) {
            if (isError(replies.get(i), expectedCodes.get(i))) {
                asExpected++;
            }
        }
        errorFramesAnswered += replies.stream().filter(reply -> "error".equals(reply.path("op").asText())).count();
        record(key, what, frames.size(), documented, asExpected);

        assertThat(replies).as("one answer per frame").hasSize(frames.size());
        for (int i = 0; i < replies.size(); i++) {
            JsonNode reply = replies.get(i);
            String code = expectedCodes.get(i);
            assertThat(reply.path("op").asText()).as("answer to frame %d (%s): %s", i, abbreviate(frames.get(i)), reply)
                    .isEqualTo("error");
            assertThat(reply.path("code").asText()).as("answer to frame %d (%s): %s", i, abbreviate(frames.get(i)), reply)
                    .isEqualTo(code);
            assertThat(reply.path("message").asText()).as("message of answer %d", i).isNotBlank()
                    .hasSizeLessThan(MAX_ERROR_MESSAGE);
        }
        assertThat(client.isOpen()).as("connection after %d bad frames", frames.size()).isTrue();
        assertNodeUnharmed();
        return replies;
    }

    /** Waits until {@code count} answers whose id starts with {@code idPrefix} arrived after {@code mark}; returns them. */
    private static List<JsonNode> awaitReplies(WsClient client, int mark, String idPrefix, int count) {
        return Await.until(count + " answers with ids " + idPrefix + "*", TIMEOUT, () -> replies(client, mark, idPrefix),
                replies -> replies.size() >= count);
    }

    /** The answers with ids {@code idPrefix<n>} received after {@code mark}, so far. */
    private static List<JsonNode> replies(WsClient client, int mark, String idPrefix) {
        List<JsonNode> frames = client.frames();
        List<JsonNode> replies = new ArrayList<>();
        for (JsonNode frame : frames.subList(mark, frames.size())) {
            String id = frame.path("id").asText("");
            if (id.startsWith(idPrefix) && id.substring(idPrefix.length()).matches("\\d+")) {
                replies.add(frame);
            }
        }
        return replies;
    }

    /**
     * The node is unharmed by what this test sent: it still runs; a fresh client subscribes and receives an event
     * published through the API, and so does the watcher connected since the test began; the node counted as
     * protocol errors exactly the error frames this test was answered; and its log holds no stack trace or
     * ERROR / SEVERE line written since the test began.
     */
    private void assertNodeUnharmed() {
        assertThat(node.isAlive()).as("%s still running", node).isTrue();
        try (WsClient client = node.connect()) {
            client.subscribe(watchChannel);
            String marker = UUID.randomUUID().toString();
            node.api().publishAccepted(watchChannel, "check", Map.of("marker", marker));
            client.awaitFrame(frame -> marker.equals(frame.path("data").path("marker").asText()), TIMEOUT);
            watcher.awaitFrame(frame -> marker.equals(frame.path("data").path("marker").asText()), TIMEOUT);
        }
        assertThat(figures().path("protocolErrors").asLong() - protocolErrorsBefore)
                .as("protocolErrors counted by the node during this test, against the error frames it answered")
                .isEqualTo(errorFramesAnswered);
        assertThat(LogFile.troubleLines(node.log().textSince(logMark)))
                .as("stack traces or ERROR / SEVERE lines in %s during this test", node.log()).isEmpty();
    }

    private void record(String key, String input, long sent, String expected, long answeredAsExpected) {
        HOSTILE_KINDS.add(key);
        FaultReport.record(new FaultReport.HostileInput(key, input, sent, expected, answeredAsExpected));
    }

    private static int handshakeStatus(WsConnector connector) {
        try {
            connector.connect().close();
            return 101;
        } catch (WebSocketHandshakeException e) {
            return e.getResponse().statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The status, then the error code the JSON body names (or what it is instead). */
    private static String statusAndError(ApiResponse response) {
        try {
            JsonNode error = response.json().path("error");
            return response.status() + (error.isTextual() ? " " + error.asText() : " without an error code: " + response);
        } catch (UncheckedIOException notJson) {
            return response.status() + " without a JSON body: " + response;
        }
    }

    private JsonNode figures() {
        return node.api().get("/switchboard/api/stats").json().path("node");
    }

    private static boolean isError(JsonNode reply, String code) {
        return "error".equals(reply.path("op").asText()) && code.equals(reply.path("code").asText());
    }

    private static void assertError(JsonNode reply, String code) {
        assertThat(reply.path("op").asText()).as("answer %s", reply).isEqualTo("error");
        assertThat(reply.path("code").asText()).as("answer %s", reply).isEqualTo(code);
    }

    /** One refused request: its error frame, with a message; counted as this test's protocol error. */
    private void assertErrorCode(JsonNode reply, String code) {
        assertError(reply, code);
        assertThat(reply.path("message").asText()).as("reply %s", reply).isNotBlank();
        errorFramesAnswered++;
    }

    /** A channel name of this test alone: {@code prefix.<random>}. */
    private static String unique(String prefix) {
        return prefix + "." + UUID.randomUUID().toString().substring(0, 8);
    }

    private String randomPrintable(int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (0x21 + random.nextInt(0x7e - 0x21)));
        }
        return text.toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...(" + text.length() + " chars)";
    }
}
