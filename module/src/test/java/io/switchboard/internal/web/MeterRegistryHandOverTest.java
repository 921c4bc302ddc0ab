package io.switchboard.internal.web;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.api.Switchboard;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application hands Switchboard its own registry through the context attribute before
 * Switchboard starts: the meters are there from the start, and gone from it after undeploy.
 */
class MeterRegistryHandOverTest {

    @Test
    void theApplicationsRegistryShowsTheNodesMetersWhileItRunsAndNoneAfterwards() throws Exception {
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        jakarta.servlet.ServletContainerInitializer handsOver =
                (classes, context) -> context.setAttribute(Switchboard.METER_REGISTRY_ATTRIBUTE, application);
        EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.node-id", "handed-1"), false,
                java.util.List.of(handsOver, new SwitchboardInitializer()));
        try (WsClient client = server.ws().connect()) {
            client.welcome();
            Await.until("the connection counted in the application's registry", () -> application
                    .get("switchboard.connections").tag("node", "handed-1").tag("transport", "websocket").gauge().value() == 1);
            assertThat(application.find("switchboard.publishes").tag("door", "api").functionCounter()).isNotNull();
        } finally {
            server.close();
        }
        assertThat(application.getMeters()).isEmpty();
    }
}
