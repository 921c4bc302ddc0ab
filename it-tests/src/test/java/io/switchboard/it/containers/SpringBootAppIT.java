package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.Resources;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spring Boot 3 web application with embedded Tomcat ({@code it-apps/spring-boot-app}) that has the starter as
 * its only Switchboard dependency, run as its own process ({@code java -jar}) with its own
 * {@code application.properties}: a private Redis, an API token, a node id and a prefix that is not the default.
 * Embedded Tomcat runs no initializer found in a jar; the starter's auto-configuration registers the endpoint,
 * the API and the client script from those properties, and the application publishes through the injected
 * {@code Switchboard} bean.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringBootAppIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);
    private static final String PREFIX = "/push";
    private static final String NODE_ID = "boot-app";

    private final Resources resources = new Resources();
    private final String apiToken = "boot-token-" + UUID.randomUUID();
    private SpringBootApp app;

    @BeforeAll
    void startTheApplication() {
        RedisServerProcess redis = resources.keep(RedisServerProcess.start("SpringBootAppIT-redis"));
        app = resources.keep(SpringBootApp.start("SpringBootAppIT-app", Map.of(
                "switchboard.redis", redis.url(),
                "switchboard.api-token", apiToken,
                "switchboard.node-id", NODE_ID,
                "switchboard.prefix", PREFIX)));
        app.awaitUp(PREFIX + "/api/health", START_TIMEOUT);
    }

    @AfterAll
    void stopEverything() {
        try {
            assertThat(app.stop(Duration.ofSeconds(30))).as("%s ended by itself on SIGTERM", app).isTrue();
        } finally {
            resources.close();
        }
    }

    @Test
    void eventTheApplicationPublishesThroughItsSwitchboardBeanReachesAWebSocketClient() throws IOException {
        try (WsClient client = WsClient.to(app.base()).prefix(PREFIX).connect()) {
            assertThat(client.node()).as("node id (application.properties)").isEqualTo(NODE_ID);
            client.subscribe("news");
            String text = "announced by Spring " + UUID.randomUUID();

            ApiResponse answer = ApiClient.of(app.base(), null).postForm("/announce", Map.of("text", text));

            assertThat(answer.status()).as("POST /announce: %s", answer).isEqualTo(200);
            JsonNode event = client.awaitEvents("news", 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("event").asText()).isEqualTo("announced");
            assertThat(event.path("data").path("text").asText()).isEqualTo(text);
            assertThat(event.path("offset").asText()).as("the offset the bean's publish completed with")
                    .isEqualTo(answer.json().path("offset").asText());
        }
    }

    @Test
    void httpApiAndClientScriptAnswerAtTheConfiguredPrefixWithTheConfiguredSettings() throws IOException {
        ApiClient anonymous = ApiClient.of(app.base(), null);
        JsonNode health = anonymous.get(PREFIX + "/api/health").json();
        assertThat(health.path("node").asText()).as("node id (application.properties)").isEqualTo(NODE_ID);
        assertThat(health.path("bus").asText()).as("bus (switchboard.redis in application.properties)").isEqualTo("redis");
        ApiResponse script = anonymous.get(PREFIX + "/client.js");
        assertThat(script.status()).as("GET %s/client.js", PREFIX).isEqualTo(200);
        assertThat(script.body()).contains("class Switchboard");
        assertThat(anonymous.get("/switchboard/api/health").status()).as("the default prefix").isEqualTo(404);

        String channel = "orders-" + UUID.randomUUID();
        try (WsClient client = WsClient.to(app.base()).prefix(PREFIX).connect()) {
            client.subscribe(channel);
            String path = PREFIX + "/api/channels/" + channel + "/events";
            String body = "{\"event\":\"created\",\"data\":{\"order\":42}}";
            assertThat(anonymous.withToken("not-" + apiToken).post(path, body).status()).as("publishing with another token")
                    .isEqualTo(401);

            ApiResponse published = anonymous.withToken(apiToken).post(path, body);

            assertThat(published.status()).as("publishing with the token of application.properties: %s", published)
                    .isEqualTo(202);
            JsonNode event = client.awaitEvents(channel, 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("data").path("order").asInt()).isEqualTo(42);
            assertThat(event.path("offset").asText()).isEqualTo(published.json().path("offset").asText());
        }
        // Spring Boot manages its own Micrometer version: the node's meters work with it.
        ApiResponse metrics = anonymous.withToken(apiToken).get(PREFIX + "/api/metrics");
        assertThat(metrics.status()).as("GET %s/api/metrics", PREFIX).isEqualTo(200);
        assertThat(metrics.body()).contains("switchboard_publishes_total{", "door=\"api\"");
    }
}
