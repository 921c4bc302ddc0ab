package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.Resources;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.protocol.ProtocolClient;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.sse.SseClient;
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
 * A mixed cluster: the same sample WAR in a WildFly (Undertow's WebSocket implementation) and in a
 * standalone Tomcat (Tomcat's own), both on one Redis and configured through environment variables only.
 * Events cross from one kind of server to the other in both directions, over WebSockets and over SSE
 * streams, whose requests are POSTed to the other server and forwarded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WildFlyWithTomcatIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);
    /** Longer than Tomcat's and Undertow's default async timeout (30 s). */
    private static final Duration QUIET_STREAM = Duration.ofSeconds(35);

    private final Resources resources = new Resources();
    private DeployedSample wildfly;
    private DeployedSample tomcat;

    @BeforeAll
    void startWildFlyAndTomcat() {
        RedisServerProcess redis = keep(RedisServerProcess.start("WildFlyWithTomcatIT-redis"));
        String apiToken = "mixed-token-" + UUID.randomUUID();
        // Both boot at the same time; WildFly takes longer.
        WildFlyInstance wildflyInstance = keep(WildFlyInstance.start("WildFlyWithTomcatIT-wildfly", "wildfly", redis.url(), apiToken));
        TomcatInstance tomcatInstance = keep(TomcatInstance.start("WildFlyWithTomcatIT-tomcat", "tomcat", redis.url(), apiToken));
        tomcatInstance.awaitDeployed(START_TIMEOUT);
        wildflyInstance.awaitDeployed(START_TIMEOUT);
        wildfly = wildflyInstance.sample();
        tomcat = tomcatInstance.sample();
    }

    @AfterAll
    void stopEverything() {
        resources.close();
    }

    @Test
    void wildFlyServesTheSampleWithTheSettingsFromItsEnvironment() {
        JsonNode health = wildfly.health();
        assertThat(health.path("node").asText()).as("node id (SWITCHBOARD_NODE_ID)").isEqualTo("wildfly");
        assertThat(health.path("bus").asText()).as("bus (SWITCHBOARD_REDIS)").isEqualTo("redis");

        ApiResponse script = ApiClient.of(wildfly.pageUri(), null).get(wildfly.pageUri().getPath() + "switchboard/client.js");
        assertThat(script.status()).as("client.js on WildFly").isEqualTo(200);
        assertThat(script.body()).contains("class Switchboard");
        try (WsClient client = wildfly.connect()) {
            assertThat(client.node()).isEqualTo("wildfly");
            client.ping();
        }
    }

    @Test
    void eventTriggeredOnWildFlyReachesClientOnTomcatAndTheOtherWayRound() {
        try (WsClient onTomcat = tomcat.connect(); WsClient onWildFly = wildfly.connect()) {
            assertThat(onTomcat.node()).isEqualTo("tomcat");
            assertThat(onWildFly.node()).isEqualTo("wildfly");
            onTomcat.subscribe("news");
            onWildFly.subscribe("news");

            String fromWildFly = "from wildfly " + UUID.randomUUID();
            JsonNode wildflyAnswer = wildfly.trigger(fromWildFly);
            assertThat(wildflyAnswer.path("node").asText()).isEqualTo("wildfly");
            JsonNode onTomcatEvent = awaitMessage(onTomcat, fromWildFly);
            assertThat(onTomcatEvent.path("data").path("node").asText()).isEqualTo("wildfly");
            assertThat(onTomcatEvent.path("offset").asText()).isEqualTo(wildflyAnswer.path("offset").asText());

            String fromTomcat = "from tomcat " + UUID.randomUUID();
            JsonNode tomcatAnswer = tomcat.trigger(fromTomcat);
            assertThat(tomcatAnswer.path("node").asText()).isEqualTo("tomcat");
            JsonNode onWildFlyEvent = awaitMessage(onWildFly, fromTomcat);
            assertThat(onWildFlyEvent.path("data").path("node").asText()).isEqualTo("tomcat");
            assertThat(onWildFlyEvent.path("offset").asText()).isEqualTo(tomcatAnswer.path("offset").asText());

            // Each also received its own server's event, in the order the two were published.
            for (WsClient client : List.of(onTomcat, onWildFly)) {
                assertThat(awaitMessage(client, fromTomcat)).isNotNull();
                assertThat(client.events("news")).extracting(event -> event.path("data").path("message").asText())
                        .as("news received by %s", client).containsExactly(fromWildFly, fromTomcat);
            }
        }
    }

    @Test
    void eventForAUserPublishedOnTomcatReachesThatUsersSessionsOnWildFlyAndTomcat() {
        String user = "dana-" + Long.toHexString(System.nanoTime());
        String token = ClientToken.mint(wildfly.tokenSecret(), user);
        try (WsClient onWildFly = wildfly.connectWithToken(token); WsClient onTomcat = tomcat.connectWithToken(token)) {
            assertThat(onWildFly.user()).isEqualTo(user);
            assertThat(onTomcat.user()).isEqualTo(user);

            String note = UUID.randomUUID().toString();
            tomcat.publishToUser(user, "note", Map.of("text", note));

            for (WsClient client : List.of(onWildFly, onTomcat)) {
                JsonNode event = client.awaitFrame(frame -> note.equals(frame.path("data").path("text").asText()), DELIVERY_TIMEOUT);
                assertThat(event.path("channel").asText()).as("channel of the user event on %s", client).isEqualTo("@user");
                assertThat(event.path("event").asText()).isEqualTo("note");
            }
        }
    }

    @Test
    void sseStreamsOnBothOutliveTheContainersDefaultTimeoutsAndTheirRequestsPassThroughTheOtherServer() throws Exception {
        try (SseClient onWildFly = wildfly.sse().postTo(List.of(tomcat.base())).connect();
             SseClient onTomcat = tomcat.sse().postTo(List.of(wildfly.base())).connect()) {
            assertThat(onWildFly.node()).isEqualTo("wildfly");
            assertThat(onTomcat.node()).isEqualTo("tomcat");
            onWildFly.subscribe("news"); // POSTed to Tomcat, handed to the session on WildFly
            onTomcat.subscribe("news");

            // Both containers end async requests after 30 s by default: the streams must not be.
            long opened = System.nanoTime();
            Await.until("both streams open for longer than the containers' default async timeout", QUIET_STREAM.plusSeconds(30),
                    () -> System.nanoTime() - opened > QUIET_STREAM.toNanos() || !onWildFly.isOpen() || !onTomcat.isOpen());
            assertThat(onWildFly.isOpen()).as("stream on WildFly after %s", QUIET_STREAM).isTrue();
            assertThat(onTomcat.isOpen()).as("stream on Tomcat after %s", QUIET_STREAM).isTrue();

            String fromWildFly = "sse from wildfly " + UUID.randomUUID();
            wildfly.trigger(fromWildFly);
            String fromTomcat = "sse from tomcat " + UUID.randomUUID();
            tomcat.trigger(fromTomcat);
            for (ProtocolClient client : List.of(onWildFly, onTomcat)) {
                awaitMessage(client, fromTomcat);
                assertThat(client.events("news")).extracting(event -> event.path("data").path("message").asText())
                        .as("news received by %s", client).containsExactly(fromWildFly, fromTomcat);
            }
            assertThat(onWildFly.publish("chat.mixed", "say", Map.of("text", "hi")).path("op").asText()).isEqualTo("published");
        }
    }

    private static JsonNode awaitMessage(ProtocolClient client, String message) {
        return client.awaitFrame(frame -> "event".equals(frame.path("op").asText())
                && message.equals(frame.path("data").path("message").asText()), DELIVERY_TIMEOUT);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
