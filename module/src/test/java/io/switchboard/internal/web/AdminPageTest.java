package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin page in a real embedded Tomcat: behind the API token through a login form and a session
 * cookie (HttpOnly, SameSite=Strict, scoped to the prefix), refusing other sites' posts; its socket
 * authenticated by the same cookie and alone allowed on the reserved channel {@code @admin}, where
 * the node publishes its figures while the page watches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminPageTest {
    private static final String TOKEN = "test-api-token-of-at-least-32-bytes";
    private EmbeddedServer server;
    private final HttpClient http = HttpClient.newHttpClient(); // follows no redirect

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.api-token", TOKEN, "switchboard.node-id", "admin-1"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> login(String token, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve("/switchboard/admin/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Logs in as a browser's own page would; returns the cookie to send ({@code name=value}). */
    private String loggedIn() throws Exception {
        HttpResponse<String> answer = login(TOKEN, Map.of("Sec-Fetch-Site", "same-origin"));
        assertThat(answer.statusCode()).isEqualTo(303);
        return answer.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    @Test
    void thePageIsTheLoginFormUntilTheApiTokenWasPostedAndThenTheClusterView() throws Exception {
        HttpResponse<String> before = get("/switchboard/admin/", null);
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body()).contains("id=\"login-form\"").doesNotContain("rate-chart");
        assertThat(before.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("frame-ancestors 'none'").contains("script-src 'self'"));
        assertThat(before.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(before.headers().firstValue("Cache-Control")).contains("no-store");

        HttpResponse<String> answer = login(TOKEN, Map.of("Sec-Fetch-Site", "same-origin"));
        assertThat(answer.statusCode()).isEqualTo(303);
        assertThat(answer.headers().firstValue("Location")).contains("/switchboard/admin/");
        String setCookie = answer.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("switchboard_admin=").contains("; Path=/switchboard;").contains("; HttpOnly")
                .contains("; SameSite=Strict").contains("; Max-Age=28800").doesNotContain(TOKEN);

        HttpResponse<String> after = get("/switchboard/admin/", setCookie.split(";")[0]);
        assertThat(after.body()).contains("rate-chart").doesNotContain("id=\"login-form\"");
        assertThat(get("/switchboard/admin/session", setCookie.split(";")[0]).statusCode()).isEqualTo(204);
    }

    @Test
    void aWrongTokenIsAnsweredWithTheFormSayingSoAndNoCookie() throws Exception {
        HttpResponse<String> answer = login("not-the-token-not-the-token-not-the-token", Map.of());
        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.body()).contains("That is not the API token.");
        assertThat(answer.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(get("/switchboard/admin/session", "switchboard_admin=1.forged.value").statusCode()).isEqualTo(401);
    }

    @Test
    void aLoginOrLogoutPostedByAnotherSitesPageIsRefused() throws Exception {
        assertThat(login(TOKEN, Map.of("Sec-Fetch-Site", "cross-site")).statusCode()).isEqualTo(403);
        assertThat(login(TOKEN, Map.of("Origin", "http://evil.example")).statusCode()).isEqualTo(403);
        HttpResponse<String> logout = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/switchboard/admin/logout"))
                .header("Sec-Fetch-Site", "same-site").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).isEqualTo(403);
    }

    @Test
    void logoutEndsTheSessionInTheBrowser() throws Exception {
        loggedIn();
        HttpResponse<String> logout = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/switchboard/admin/logout"))
                .header("Sec-Fetch-Site", "same-origin").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(logout.headers().firstValue("Set-Cookie")).hasValueSatisfying(cookie ->
                assertThat(cookie).startsWith("switchboard_admin=;").contains("Max-Age=0"));
    }

    @Test
    void theAdminSocketNeedsTheSessionCookieAndThenReceivesTheNodesFigures() throws Exception {
        assertThatThrownBy(() -> server.ws().query("admin=1").connect())
                .isInstanceOfAny(WebSocketHandshakeException.class, CompletionException.class, java.io.IOException.class);
        assertThat(get("/switchboard/admin/", "switchboard_admin=forged").body()).contains("login-form");

        try (WsClient admin = server.ws().query("admin=1").cookie(loggedIn()).connect()) {
            admin.welcome();
            assertThat(admin.subscribe("@admin").path("op").asText()).isEqualTo("subscribed");
            JsonNode figures = admin.awaitFrame(frame -> "figures".equals(frame.path("event").asText()), Duration.ofSeconds(10));

            assertThat(figures.path("channel").asText()).isEqualTo("@admin");
            assertThat(figures.path("data").path("node").asText()).isEqualTo("admin-1");
            assertThat(figures.path("data").path("connections").asInt()).isEqualTo(1);
            assertThat(figures.path("data").path("busUp").asBoolean()).isTrue();
            assertThat(figures.path("data").has("busiest")).isTrue();
            assertThat(admin.publish("@admin", "figures", Map.of("node", "fake")).path("code").asText())
                    .as("only nodes publish on @admin").isEqualTo("forbidden");
        }
    }

    @Test
    void noOtherSocketMaySubscribeToTheAdminChannel() throws Exception {
        try (WsClient client = server.ws().connect()) {
            JsonNode answer = client.request(Json.object().put("op", "subscribe").put("channel", "@admin"));
            assertThat(answer.path("op").asText()).isEqualTo("error");
            assertThat(answer.path("code").asText()).isEqualTo("forbidden");
        }
        try (WsClient withCookieButNotAdmin = server.ws().cookie(loggedIn()).connect()) {
            assertThat(withCookieButNotAdmin.request(Json.object().put("op", "subscribe").put("channel", "@admin"))
                    .path("code").asText()).isEqualTo("forbidden");
        }
    }

    @Test
    void withoutAnApiTokenThePageIsDisabled() throws Exception {
        try (EmbeddedServer bare = new EmbeddedServer(Map.of("switchboard.node-id", "bare-1"))) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(bare.baseUri().resolve("/switchboard/admin/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(403);
        }
    }
}
