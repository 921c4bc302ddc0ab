package io.switchboard.internal.web;

import io.switchboard.testkit.PrometheusText;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET {prefix}/api/metrics} in a real embedded Tomcat: Prometheus text behind the API token or the metrics token. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {
    private static final String TOKEN = "test-api-token-of-at-least-32-bytes";
    private static final String METRICS_TOKEN = "test-metrics-token-of-at-least-32-bytes";
    private EmbeddedServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        server = new EmbeddedServer(Map.of("switchboard.api-token", TOKEN, "switchboard.metrics-token", METRICS_TOKEN,
                "switchboard.node-id", "metrics-1"));
    }

    @AfterAll
    void stop() throws Exception {
        server.close();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theApiTokenAndTheMetricsTokenBothReadTheMetricsAsPrometheusText() throws Exception {
        try (WsClient client = server.ws().connect()) {
            client.welcome();
            for (String token : new String[] {TOKEN, METRICS_TOKEN}) {
                HttpResponse<String> response = get("/switchboard/api/metrics", token);

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                        assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
                PrometheusText text = PrometheusText.parse(response.body());
                assertThat(text.sum("switchboard_connections", "transport", "websocket", "node", "metrics-1")).isEqualTo(1);
                assertThat(text.type("switchboard_publishes_total")).isEqualTo("counter");
            }
        }
    }

    @Test
    void withoutATokenOrWithAWrongOneTheMetricsAreRefused() throws Exception {
        assertThat(get("/switchboard/api/metrics", null).statusCode()).isEqualTo(401);
        assertThat(get("/switchboard/api/metrics", "wrong-token-wrong-token-wrong-token").statusCode()).isEqualTo(401);
    }

    @Test
    void theMetricsTokenOpensNothingButTheMetrics() throws Exception {
        assertThat(get("/switchboard/api/stats", METRICS_TOKEN).statusCode()).isEqualTo(401);
        assertThat(get("/switchboard/api/stats", TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void theMetricsAreReadOnly() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/switchboard/api/metrics"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void unknownPathsUnderTheApiAreStillNotFound() throws Exception {
        assertThat(get("/switchboard/api/metrics/more", TOKEN).statusCode()).isEqualTo(404);
    }
}
