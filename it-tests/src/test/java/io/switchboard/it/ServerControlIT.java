package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Markers;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server-side control across a real three-node cluster on a real redis-server: the sessions of one
 * user are on nodes 1 and 2, and every control request goes through node 3, which holds neither.
 * Over the HTTP API (subscribe, unsubscribe, disconnect, list, an event to one session) and from
 * the Java API through the sample's admin servlet (list, kick).
 */
class ServerControlIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** A session id of the right shape that no node holds. */
    private static final String NO_SUCH_SESSION_ON_NODE_1 = "node-1.AAAAAAAAAAAAAAAAAAAAAA";

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(3);

    /** One user's two sessions, on nodes 1 and 2; {@code api} is node 3's. */
    private record TwoSessions(String user, WsClient onNode1, WsClient onNode2) {
        List<WsClient> both() {
            return List.of(onNode1, onNode2);
        }
    }

    private TwoSessions twoSessions(String name) {
        String user = name + "-" + Long.toHexString(System.nanoTime());
        WsClient onNode1 = cluster.connect(1, user);
        WsClient onNode2 = cluster.connect(2, user);
        assertThat(List.of(onNode1.node(), onNode2.node())).containsExactly("node-1", "node-2");
        return new TwoSessions(user, onNode1, onNode2);
    }

    private ApiClient viaNode3() {
        return cluster.node(3).api();
    }

    private static Predicate<JsonNode> unasked(String op, String channel) {
        return frame -> op.equals(frame.path("op").asText()) && channel.equals(frame.path("channel").asText())
                && !frame.has("id");
    }

    private static String uniqueChannel(String prefix) {
        return prefix + "." + Long.toHexString(System.nanoTime());
    }

    @Test
    void subscribingAUserFromANodeHoldingNeitherSessionSubscribesBothAndTheyReceiveTheChannel() {
        TwoSessions alice = twoSessions("alice");
        String channel = uniqueChannel("room");

        ApiResponse answer = viaNode3().post("/switchboard/api/users/" + alice.user() + "/subscriptions",
                Json.write(Json.object().put("channel", channel)));

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
        assertThat(answer.json().path("user").asText()).isEqualTo(alice.user());
        assertThat(answer.json().path("channel").asText()).isEqualTo(channel);
        assertThat(answer.json().path("sessions").asInt()).isEqualTo(2);
        assertThat(answer.json().path("refused")).isEmpty();
        for (WsClient session : alice.both()) {
            JsonNode subscribed = session.awaitFrame(unasked("subscribed", channel), TIMEOUT);
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
        }
        Markers.publishAndAwait(cluster.node(1), channel, "said", alice.both(), TIMEOUT);
    }

    @Test
    void aSubscribeWithSinceReplaysTheEventsAfterTheOffsetOnBothNodesBeforeSubscribed() {
        TwoSessions alice = twoSessions("alice");
        String channel = uniqueChannel("log");
        String first = cluster.node(1).api().publishAccepted(channel, "line", Map.of("n", 1));
        cluster.node(2).api().publishAccepted(channel, "line", Map.of("n", 2));
        cluster.node(3).api().publishAccepted(channel, "line", Map.of("n", 3));

        ApiResponse answer = viaNode3().post("/switchboard/api/users/" + alice.user() + "/subscriptions",
                Json.write(Json.object().put("channel", channel).put("since", first)));

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
        for (WsClient session : alice.both()) {
            JsonNode subscribed = session.awaitFrame(unasked("subscribed", channel), TIMEOUT);
            List<JsonNode> frames = session.frames();
            assertThat(session.events(channel)).extracting(event -> event.path("data").path("n").asInt())
                    .as("replayed to %s", session).containsExactly(2, 3);
            assertThat(frames.indexOf(subscribed)).isGreaterThan(frames.indexOf(session.events(channel).get(1)));
            assertThat(subscribed.path("recovered").asBoolean()).isTrue();
        }
    }

    @Test
    void unsubscribingAUserAnswersUnsubscribedOnBothNodesAndStopsTheirEvents() {
        TwoSessions alice = twoSessions("alice");
        String channel = uniqueChannel("room");
        alice.both().forEach(session -> session.subscribe(channel));
        WsClient bob = cluster.subscriber(1, channel); // stays subscribed: a fence for alice's node
        WsClient carol = cluster.subscriber(2, channel);

        ApiResponse answer = viaNode3().delete("/switchboard/api/users/" + alice.user() + "/subscriptions/" + channel);

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
        assertThat(answer.json().path("sessions").asInt()).isEqualTo(2);
        alice.both().forEach(session -> session.awaitFrame(unasked("unsubscribed", channel), TIMEOUT));
        Markers.publishAndAwait(cluster.node(3), channel, "said", List.of(bob, carol), TIMEOUT);
        for (WsClient session : alice.both()) {
            assertThat(session.events(channel)).as("events after the unsubscribe on %s", session).isEmpty();
        }
    }

    @Test
    void theSessionsOfAUserAreListedFromANodeHoldingNeither() {
        Instant before = Instant.now().minusSeconds(1);
        TwoSessions alice = twoSessions("alice");
        String channel = uniqueChannel("room");
        alice.onNode2().subscribe(channel);

        ApiResponse answer = viaNode3().get("/switchboard/api/users/" + alice.user() + "/sessions");

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(200);
        assertThat(answer.json().path("user").asText()).isEqualTo(alice.user());
        JsonNode sessions = answer.json().path("sessions");
        assertThat(sessions).hasSize(2);
        for (WsClient session : alice.both()) {
            String id = session.welcome().path("session").asText();
            JsonNode listed = find(sessions, id);
            assertThat(listed.path("node").asText()).isEqualTo(session.node());
            assertThat(listed.path("transport").asText()).isEqualTo("websocket");
            assertThat(Instant.parse(listed.path("since").asText())).isBetween(before, Instant.now());
        }
        assertThat(find(sessions, alice.onNode1().welcome().path("session").asText()).path("channels")).isEmpty();
        assertThat(find(sessions, alice.onNode2().welcome().path("session").asText()).path("channels"))
                .extracting(JsonNode::asText).containsExactly(channel);
    }

    @Test
    void anEventToOneSessionByIdReachesItThroughAThirdNodeAndNoOtherSession() {
        TwoSessions alice = twoSessions("alice");
        String target = alice.onNode2().welcome().path("session").asText();
        String other = alice.onNode1().welcome().path("session").asText();

        ApiResponse answer = viaNode3().post("/switchboard/api/sessions/" + target + "/events",
                Json.write(Json.object().put("event", "nudge").set("data", Json.object().put("text", "hi"))));
        ApiResponse fence = viaNode3().post("/switchboard/api/sessions/" + other + "/events",
                Json.write(Json.object().put("event", "fence")));

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
        assertThat(answer.json().path("session").asText()).isEqualTo(target);
        assertThat(fence.status()).as("answer %s", fence).isEqualTo(202);
        JsonNode event = alice.onNode2().awaitFrame(frame -> "@session".equals(frame.path("channel").asText()), TIMEOUT);
        assertThat(event.path("op").asText()).isEqualTo("event");
        assertThat(event.path("event").asText()).isEqualTo("nudge");
        assertThat(event.path("data").path("text").asText()).isEqualTo("hi");
        assertThat(event.has("offset")).isFalse();
        alice.onNode1().awaitFrame(frame -> "fence".equals(frame.path("event").asText()), TIMEOUT);
        assertThat(alice.onNode1().events("@session")).extracting(e -> e.path("event").asText()).containsExactly("fence");
    }

    @Test
    void unknownUsersAreAnsweredWithNoSessionsAndUnknownSessionsWith404() {
        String nobody = "nobody-" + Long.toHexString(System.nanoTime());
        ApiClient api = viaNode3();

        ApiResponse list = api.get("/switchboard/api/users/" + nobody + "/sessions");
        ApiResponse subscribe = api.post("/switchboard/api/users/" + nobody + "/subscriptions", "{\"channel\":\"news\"}");
        ApiResponse unsubscribe = api.delete("/switchboard/api/users/" + nobody + "/subscriptions/news");
        ApiResponse disconnect = api.post("/switchboard/api/users/" + nobody + "/disconnect", "{}");

        assertThat(list.status()).as("list %s", list).isEqualTo(200);
        assertThat(list.json().path("sessions")).isEmpty();
        for (ApiResponse answer : List.of(subscribe, unsubscribe, disconnect)) {
            assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
            assertThat(answer.json().path("sessions").asInt()).isZero();
        }
        // A closed session of node 1, an id no node holds, an id that names no live node, not an id at all.
        WsClient gone = cluster.connect(1);
        String closed = gone.welcome().path("session").asText();
        gone.close();
        for (String session : List.of(closed, NO_SUCH_SESSION_ON_NODE_1, "node-9.AAAAAAAAAAAAAAAAAAAAAA", "garbage")) {
            ApiResponse answer = api.post("/switchboard/api/sessions/" + session + "/events", "{\"event\":\"nudge\"}");
            assertThat(answer.status()).as("event to %s: %s", session, answer).isEqualTo(404);
            assertThat(answer.json().path("error").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void badUserIdsChannelNamesAndBodiesAreRefusedWithTheUsualErrorBody() {
        ApiClient api = viaNode3();
        String users = "/switchboard/api/users/";
        Map<String, ApiResponse> answers = Map.of(
                "user id over 128 characters", api.get(users + "u".repeat(129) + "/sessions"),
                "channel with a space", api.post(users + "alice/subscriptions", "{\"channel\":\"no spaces\"}"),
                "no channel", api.post(users + "alice/subscriptions", "{}"),
                "since not an offset", api.post(users + "alice/subscriptions", "{\"channel\":\"news\",\"since\":\"x\"}"),
                "not JSON", api.post(users + "alice/subscriptions", "channel=news"),
                "not an object", api.post(users + "alice/disconnect", "[1]"),
                "reason not a string", api.post(users + "alice/disconnect", "{\"reason\":5}"),
                "channel in the path", api.delete(users + "alice/subscriptions/no%20spaces"),
                "no event", api.post("/switchboard/api/sessions/" + NO_SUCH_SESSION_ON_NODE_1 + "/events", "{}"));
        answers.forEach((what, answer) -> {
            assertThat(answer.status()).as("%s: %s", what, answer).isEqualTo(400);
            assertThat(answer.json().path("error").asText()).as(what).isEqualTo("bad_request");
            assertThat(answer.json().path("message").asText()).as(what).isNotBlank();
        });
        ApiResponse reserved = api.post(users + "alice/subscriptions", "{\"channel\":\"@user\"}");
        assertThat(reserved.status()).as("reserved channel: %s", reserved).isEqualTo(403);
        assertThat(api.withToken(null).get(users + "alice/sessions").status()).isEqualTo(401);
        assertThat(api.get(users + "alice/disconnect").status()).as("wrong method").isEqualTo(405);
    }

    @Test
    void disconnectingAUserClosesBothSessionsWith4403AndTheReasonAndNoOtherSession() {
        TwoSessions alice = twoSessions("alice");
        WsClient bob = cluster.connect(1, "bob");

        ApiResponse answer = viaNode3().post("/switchboard/api/users/" + alice.user() + "/disconnect",
                "{\"reason\":\"account suspended\"}");

        assertThat(answer.status()).as("answer %s", answer).isEqualTo(202);
        assertThat(answer.json().path("sessions").asInt()).isEqualTo(2);
        for (WsClient session : alice.both()) {
            WsClient.Close close = session.awaitClose(TIMEOUT);
            assertThat(close.code()).as("close of %s", session).isEqualTo(4403);
            assertThat(close.reason()).isEqualTo("account suspended");
        }
        assertThat(bob.ping().path("op").asText()).isEqualTo("pong");
        assertThat(viaNode3().get("/switchboard/api/users/" + alice.user() + "/sessions").json().path("sessions")).isEmpty();
    }

    @Test
    void theSampleAdminListsAndKicksAUserThroughTheJavaApiFromANodeHoldingNeitherSession() {
        TwoSessions alice = twoSessions("alice");
        ApiClient page = ApiClient.of(cluster.node(3).baseUri(), null);
        String origin = "http://" + cluster.node(3).baseUri().getHost() + ":" + cluster.node(3).baseUri().getPort();
        assertThat(page.get("/admin/sessions?user=" + alice.user()).status()).as("without a login").isEqualTo(401);
        String cookie = login(page, origin, "admin");

        ApiResponse listed = page.get("/admin/sessions?user=" + alice.user(), Map.of("Cookie", cookie));
        HttpResponse<String> kicked = page.postForm("/admin/kick", Map.of("user", alice.user()),
                Map.of("Cookie", cookie, "Origin", origin));

        assertThat(listed.status()).as("list %s", listed).isEqualTo(200);
        assertThat(listed.json().path("sessions")).extracting(session -> session.path("node").asText())
                .containsExactlyInAnyOrder("node-1", "node-2");
        assertThat(kicked.statusCode()).as("kick %s", kicked.body()).isEqualTo(200);
        assertThat(Json.parse(kicked.body()).path("closed").asInt()).isEqualTo(2);
        for (WsClient session : alice.both()) {
            WsClient.Close close = session.awaitClose(TIMEOUT);
            assertThat(close.code()).isEqualTo(4403);
            assertThat(close.reason()).isEqualTo("kicked by admin");
        }
    }

    /** {@code POST /login} to the demo realm; the session cookie ({@code JSESSIONID=...}). */
    private static String login(ApiClient page, String origin, String user) {
        HttpResponse<String> login = page.postForm("/login", Map.of("user", user, "password", "demo"), Map.of("Origin", origin));
        assertThat(login.statusCode()).as("login %s", login.body()).isEqualTo(200);
        List<String> cookies = login.headers().allValues("Set-Cookie");
        String last = cookies.get(cookies.size() - 1); // the session id after login (changed on authentication)
        return last.substring(0, last.indexOf(';'));
    }

    private static JsonNode find(JsonNode sessions, String id) {
        for (JsonNode session : sessions) {
            if (id.equals(session.path("session").asText())) {
                return session;
            }
        }
        throw new AssertionError("session " + id + " not listed in " + sessions);
    }
}
