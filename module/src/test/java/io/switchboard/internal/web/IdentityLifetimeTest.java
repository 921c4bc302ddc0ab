package io.switchboard.internal.web;

import io.switchboard.internal.security.ClientTokens;
import io.switchboard.testkit.sse.SseClient;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** On a real embedded Tomcat: a connection ends when the identity it was opened with ends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdentityLifetimeTest {
    private static final String SECRET = "identity-lifetime-test-secret-32-bytes";
    private final ClientTokens tokens = new ClientTokens(SECRET, Clock.systemUTC());
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedServer server;

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.token-secret", SECRET, "switchboard.node-id", "unit-1"), true);
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private String origin() {
        return "http://127.0.0.1:" + server.port();
    }

    @Test
    void aTokenThatExpiresUnrefreshedClosesItsSocketWith4401WhileARefreshedOneStays() throws Exception {
        long expiry = System.currentTimeMillis() / 1000 + 2;
        try (WsClient lapsing = server.ws().token(tokens.mint("alice", expiry)).connect();
             WsClient refreshing = server.ws().token(tokens.mint("alice", expiry)).connect()) {
            refreshing.send("{\"op\":\"refresh\",\"token\":\"" + tokens.mint("alice", expiry + 600) + "\"}");

            assertThat(lapsing.awaitClose(Duration.ofSeconds(20)).code()).isEqualTo(4401);

            // The same sweep that closed the other one would have closed this one.
            refreshing.send("{\"op\":\"ping\",\"id\":\"after\"}");
            refreshing.awaitFrame(f -> "pong".equals(f.path("op").asText()) && "after".equals(f.path("id").asText()));
            assertThat(refreshing.isOpen()).isTrue();
            assertThat(refreshing.frames()).noneMatch(WsClient.withOp("error"));
        }
    }

    @Test
    void logoutClosesTheSocketsOfThatLoginWith4401AndNoOthers() throws Exception {
        String alice = login("alice");
        String bob = login("bob");
        try (WsClient aliceFirst = server.ws().cookie(alice).connect();
             WsClient aliceSecond = server.ws().cookie(alice).connect();
             WsClient bobs = server.ws().cookie(bob).connect();
             WsClient anonymous = server.ws().connect()) {
            assertThat(aliceFirst.welcome().path("user").asText()).isEqualTo("alice");
            assertThat(bobs.welcome().path("user").asText()).isEqualTo("bob");

            HttpResponse<String> logout = http.send(HttpRequest.newBuilder(URI.create(origin() + "/logout"))
                    .header("Cookie", alice).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(logout.statusCode()).isEqualTo(204);

            assertThat(aliceFirst.awaitClose().code()).isEqualTo(4401);
            assertThat(aliceSecond.awaitClose().code()).isEqualTo(4401);
            for (WsClient other : List.of(bobs, anonymous)) {
                other.send("{\"op\":\"ping\",\"id\":\"still\"}");
                other.awaitFrame(WsClient.withOp("pong"));
                assertThat(other.isOpen()).isTrue();
            }
        }
    }

    @Test
    void logoutClosesTheSseStreamOfThatLoginWith4401ACloseFrameThenTheEnd() throws Exception {
        String dora = login("dora");
        try (SseClient stream = SseClient.to(server.baseUri()).cookie(dora).connect()) {
            assertThat(stream.user()).isEqualTo("dora");

            HttpResponse<String> logout = http.send(HttpRequest.newBuilder(URI.create(origin() + "/logout"))
                    .header("Cookie", dora).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(logout.statusCode()).isEqualTo(204);

            assertThat(stream.awaitClose().code()).isEqualTo(4401);
        }
    }

    @Test
    void aHandshakeWithAnEndedLoginIsAnonymous() throws Exception {
        String carol = login("carol");
        http.send(HttpRequest.newBuilder(URI.create(origin() + "/logout")).header("Cookie", carol)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        try (WsClient client = server.ws().cookie(carol).connect()) {
            assertThat(client.welcome().path("user").isNull()).isTrue();
        }
    }

    /** Logs {@code user} in; returns the session cookie ({@code JSESSIONID=...}) as the browser would keep it. */
    private String login(String user) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(origin() + "/login?user=" + user))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(204);
        List<String> cookies = response.headers().allValues("Set-Cookie");
        assertThat(cookies).isNotEmpty();
        String last = cookies.get(cookies.size() - 1); // the id after login (Tomcat changes it on authentication)
        return last.substring(0, last.indexOf(';'));
    }
}
