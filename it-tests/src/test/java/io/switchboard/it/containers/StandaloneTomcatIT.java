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

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample WAR dropped into two standalone Tomcats made from the official distribution, the way the
 * README tells users to do it: two {@code CATALINA_BASE} instances on different ports, the WAR copied into
 * {@code webapps/}, {@code catalina.sh run}, one Redis, configured through environment variables only. An
 * event triggered on either instance reaches WebSocket clients of both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StandaloneTomcatIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);

    private final Resources resources = new Resources();
    private TomcatInstance tomcatA;
    private TomcatInstance tomcatB;

    @BeforeAll
    void startTwoTomcats() {
        RedisServerProcess redis = keep(RedisServerProcess.start("StandaloneTomcatIT-redis"));
        String apiToken = "tomcat-token-" + UUID.randomUUID();
        tomcatA = keep(TomcatInstance.start("StandaloneTomcatIT-tomcat-a", "tomcat-a", redis.url(), apiToken));
        tomcatB = keep(TomcatInstance.start("StandaloneTomcatIT-tomcat-b", "tomcat-b", redis.url(), apiToken));
        tomcatA.awaitDeployed(START_TIMEOUT);
        tomcatB.awaitDeployed(START_TIMEOUT);
    }

    @AfterAll
    void stopEverything() {
        resources.close();
    }

    @Test
    void eachTomcatServesTheSampleAtItsContextPathWithTheSettingsFromItsEnvironment() {
        for (TomcatInstance tomcat : List.of(tomcatA, tomcatB)) {
            DeployedSample sample = tomcat.sample();
            JsonNode health = sample.health();
            assertThat(health.path("node").asText()).as("node id of %s (SWITCHBOARD_NODE_ID)", tomcat).isEqualTo(sample.nodeId());
            assertThat(health.path("bus").asText()).as("bus of %s (SWITCHBOARD_REDIS)", tomcat).isEqualTo("redis");

            ApiClient anonymous = ApiClient.of(sample.pageUri(), null);
            ApiResponse page = anonymous.get(sample.pageUri().getPath());
            assertThat(page.status()).as("the page of %s", tomcat).isEqualTo(200);
            assertThat(page.body()).contains("id=\"trigger-form\"", "switchboard/client.js");
            ApiResponse script = anonymous.get(sample.pageUri().getPath() + "switchboard/client.js");
            assertThat(script.status()).as("client.js of %s", tomcat).isEqualTo(200);
            assertThat(script.body()).contains("class Switchboard");

            try (WsClient client = sample.connect()) {
                assertThat(client.node()).as("welcome of %s", tomcat).isEqualTo(sample.nodeId());
            }
        }
    }

    @Test
    void eventTriggeredOnEitherTomcatReachesWebSocketClientsOfBoth() {
        try (WsClient onA = tomcatA.sample().connect(); WsClient onB = tomcatB.sample().connect()) {
            onA.subscribe("news");
            onB.subscribe("news");

            String fromA = "triggered on a " + UUID.randomUUID();
            JsonNode answerA = tomcatA.sample().trigger(fromA);
            assertThat(answerA.path("node").asText()).isEqualTo("tomcat-a");
            String fromB = "triggered on b " + UUID.randomUUID();
            JsonNode answerB = tomcatB.sample().trigger(fromB);
            assertThat(answerB.path("node").asText()).isEqualTo("tomcat-b");

            for (WsClient client : List.of(onA, onB)) {
                JsonNode eventA = awaitMessage(client, fromA);
                assertThat(eventA.path("event").asText()).isEqualTo("message");
                assertThat(eventA.path("data").path("node").asText()).as("trigger node seen by %s", client).isEqualTo("tomcat-a");
                assertThat(eventA.path("offset").asText()).isEqualTo(answerA.path("offset").asText());
                JsonNode eventB = awaitMessage(client, fromB);
                assertThat(eventB.path("data").path("node").asText()).as("trigger node seen by %s", client).isEqualTo("tomcat-b");
                assertThat(eventB.path("offset").asText()).isEqualTo(answerB.path("offset").asText());
            }
        }
    }

    @Test
    void eventPublishedThroughTheHttpApiOfOneTomcatReachesAClientOfTheOther() {
        String channel = "orders-" + UUID.randomUUID();
        try (WsClient onA = tomcatA.sample().connect()) {
            onA.subscribe(channel);

            String offset = tomcatB.sample().publish(channel, "created", Map.of("order", 42));

            JsonNode event = onA.awaitEvents(channel, 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("event").asText()).isEqualTo("created");
            assertThat(event.path("data").path("order").asInt()).isEqualTo(42);
            assertThat(event.path("offset").asText()).isEqualTo(offset);
        }
    }

    private static JsonNode awaitMessage(WsClient client, String message) {
        return client.awaitFrame(frame -> "event".equals(frame.path("op").asText())
                && message.equals(frame.path("data").path("message").asText()), DELIVERY_TIMEOUT);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
