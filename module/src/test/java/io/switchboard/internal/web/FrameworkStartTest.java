package io.switchboard.internal.web;

import io.switchboard.api.Switchboard;
import io.switchboard.testkit.ws.WsClient;
import jakarta.servlet.ServletContainerInitializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SwitchboardInitializer#start}: what a framework that runs no initializer found in a jar (Spring Boot's
 * embedded Tomcat) calls, with its own settings.
 */
class FrameworkStartTest {

    @Test
    void settingsGivenByTheFrameworkWinOverContextParameters() throws Exception {
        Map<String, String> framework = Map.of("switchboard.node-id", "from-framework", "switchboard.prefix", "/push");
        ServletContainerInitializer frameworkStart = (classes, context) -> SwitchboardInitializer.start(context, framework::get);
        try (EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.node-id", "from-context"), false,
                List.of(frameworkStart))) {
            assertThat(status(server, "/push/api/health")).as("the API at the framework's prefix").isEqualTo(200);
            assertThat(status(server, "/switchboard/api/health")).as("the API at the default prefix").isEqualTo(404);
            try (WsClient client = WsClient.to(server.baseUri()).prefix("/push").connect()) {
                assertThat(client.node()).isEqualTo("from-framework");
            }
            assertThat(Switchboard.from(server.servletContext()).nodeId()).isEqualTo("from-framework");
        }
    }

    @Test
    void aSecondStartInTheSameContextKeepsTheRunningInstanceAndFailsNothing() throws Exception {
        ServletContainerInitializer frameworkStart = (classes, context) -> SwitchboardInitializer.start(context,
                Map.of("switchboard.node-id", "second")::get);
        try (EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.node-id", "first"), false,
                List.of(new SwitchboardInitializer(), frameworkStart))) {
            assertThat(server.contextAvailable()).as("the application started").isTrue();
            assertThat(status(server, "/switchboard/api/health")).isEqualTo(200);
            assertThat(Switchboard.from(server.servletContext()).nodeId()).as("the instance started first").isEqualTo("first");
        }
    }

    private static int status(EmbeddedServer server, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUri() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
