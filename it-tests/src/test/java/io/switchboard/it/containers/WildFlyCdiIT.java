package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.Artifacts;
import io.switchboard.it.support.Resources;
import io.switchboard.testkit.Await;
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
 * {@code @Inject Switchboard} in WildFly, with nothing configured for it: the tiny CDI application of
 * {@code it-apps/cdi-war} (no web.xml, no beans.xml) has an application-scoped bean that injects Switchboard,
 * publishes what a servlet asks it to, and from the application's start listens on a channel. A second WAR of
 * the same classes plus the application's own Switchboard producer (written before the module offered a bean)
 * deploys beside it: the module's bean steps aside, and injection is not ambiguous.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WildFlyCdiIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(20);

    private final Resources resources = new Resources();
    private DeployedSample app;
    private DeployedSample ownProducerApp;

    @BeforeAll
    void startWildFlyWithTheCdiApps() {
        RedisServerProcess redis = resources.keep(RedisServerProcess.start("WildFlyCdiIT-redis"));
        WildFlyInstance wildfly = resources.keep(WildFlyInstance.start("WildFlyCdiIT-wildfly", "wildfly-cdi", redis.url(),
                "cdi-token-" + UUID.randomUUID(), List.of(Artifacts.cdiWar(), Artifacts.cdiOwnProducerWar())));
        wildfly.awaitDeployed(START_TIMEOUT);
        app = wildfly.sample();
        ownProducerApp = app.at("/cdi-app-own-producer");
        Await.until("cdi-app-own-producer answering its health check", START_TIMEOUT, ownProducerApp::healthStatus,
                status -> status == 200);
    }

    @AfterAll
    void stopEverything() {
        resources.close();
    }

    @Test
    void beanThatInjectsSwitchboardPublishesToWebSocketClients() {
        try (WsClient client = app.connect()) {
            client.subscribe("news");
            String text = "announced through CDI " + UUID.randomUUID();

            JsonNode answer = app.submit("/announce", Map.of("text", text));

            assertThat(answer.path("producer").asText()).as("the bean the application was given").isEqualTo("switchboard");
            assertThat(answer.path("node").asText()).as("node id (SWITCHBOARD_NODE_ID)").isEqualTo("wildfly-cdi");
            JsonNode event = client.awaitEvents("news", 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("event").asText()).isEqualTo("announced");
            assertThat(event.path("data").path("text").asText()).isEqualTo(text);
            assertThat(event.path("offset").asText()).as("the offset the bean's publish completed with")
                    .isEqualTo(answer.path("offset").asText());
        }
    }

    @Test
    void beanStartedWithTheApplicationListensThroughTheInjectedSwitchboard() {
        try (WsClient client = app.connect()) {
            client.subscribe("answers");
            String question = "asked over HTTP " + UUID.randomUUID();

            app.publish("questions", "asked", Map.of("text", question));

            JsonNode answer = client.awaitEvents("answers", 1, DELIVERY_TIMEOUT).get(0);
            assertThat(answer.path("event").asText()).isEqualTo("answered");
            assertThat(answer.path("data").path("question").asText()).isEqualTo(question);
            assertThat(answer.path("data").path("node").asText()).isEqualTo("wildfly-cdi");
        }
    }

    @Test
    void applicationsOwnSwitchboardProducerIsKeptAndInjectionIsNotAmbiguous() {
        try (WsClient client = ownProducerApp.connect()) {
            assertThat(client.node()).as("node id (its web.xml)").isEqualTo("wildfly-own-producer");
            client.subscribe("news");
            String text = "announced through the own producer " + UUID.randomUUID();

            JsonNode answer = ownProducerApp.submit("/announce", Map.of("text", text));

            assertThat(answer.path("producer").asText()).as("the bean the application was given").isEqualTo("application");
            JsonNode event = client.awaitEvents("news", 1, DELIVERY_TIMEOUT).get(0);
            assertThat(event.path("data").path("text").asText()).isEqualTo(text);
            assertThat(event.path("offset").asText()).isEqualTo(answer.path("offset").asText());
        }
    }
}
