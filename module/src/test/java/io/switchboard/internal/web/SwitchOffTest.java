package io.switchboard.internal.web;

import io.switchboard.api.Switchboard;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwitchOffTest {

    @Test
    void enabledFalseRegistersNothing() throws Exception {
        try (EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.enabled", "false"))) {
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/switchboard/api/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(404);
            assertThatThrownBy(() -> Switchboard.from(server.servletContext()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("switchboard.enabled=false");
        }
    }

    @Test
    void aBadSettingFailsTheDeployment() throws Exception {
        try (EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.heartbeat", "soon"))) {
            assertThat(server.contextAvailable()).isFalse();
        }
    }
}
