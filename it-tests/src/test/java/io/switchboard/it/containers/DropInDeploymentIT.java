package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.testkit.ws.WsClient;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.URL;
import java.net.http.WebSocketHandshakeException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The jar dropped into {@code WEB-INF/lib} of an application that knows nothing about it, deployed by
 * Arquillian to an embedded Tomcat: the container finds the module's initializer by itself and Switchboard
 * is there, with no web.xml and no configuration; a context parameter switches it off.
 */
@ExtendWith({ArquillianTomcatPort.class, ArquillianExtension.class})
class DropInDeploymentIT {

    private static final String PLAIN = "plain";
    private static final String SWITCHED_OFF = "switched-off";

    @Deployment(name = PLAIN, testable = false)
    static WebArchive plainApp() {
        return TinyApp.withoutDescriptor(PLAIN);
    }

    @Deployment(name = SWITCHED_OFF, testable = false)
    static WebArchive switchedOffApp() {
        return TinyApp.withContextParams(SWITCHED_OFF, Map.of("switchboard.enabled", "false"));
    }

    @Test
    void initializerRegistersEndpointApiServletAndClientScriptInAnAppWithoutWebXml(
            @ArquillianResource @OperateOnDeployment(PLAIN) URL app) throws Exception {
        assertThat(plainApp().contains("/WEB-INF/web.xml")).as("the archive has a web.xml").isFalse();
        URI base = serverOf(app);
        String context = app.toURI().getPath(); // "/plain/"
        ApiClient http = ApiClient.of(base, null);

        ApiResponse page = http.get(context);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).as("the application's own page").contains(TinyApp.PAGE_TEXT);

        ApiResponse script = http.get(context + "switchboard/client.js");
        assertThat(script.status()).as("GET switchboard/client.js").isEqualTo(200);
        assertThat(script.body()).contains("class Switchboard");

        ApiResponse health = http.get(context + "switchboard/api/health");
        assertThat(health.status()).as("GET switchboard/api/health: %s", health).isEqualTo(200);
        assertThat(health.json().path("status").asText()).isEqualTo("up");
        assertThat(health.json().path("bus").asText()).as("no Redis configured: the in-process bus").isEqualTo("in-process");
        ApiResponse publish = http.withToken("any").post(context + "switchboard/api/channels/news/events",
                "{\"event\":\"tick\",\"data\":{}}");
        assertThat(publish.status()).as("publishing with no API token configured: %s", publish).isEqualTo(403);

        try (WsClient client = WsClient.to(base).prefix(context + "switchboard").connect()) {
            assertThat(client.welcome().path("session").asText()).isNotEmpty();
            JsonNode subscribed = client.subscribe("news");
            assertThat(subscribed.path("offset").asText()).matches("[A-Za-z0-9]+-0");
            client.ping();
        }
    }

    @Test
    void contextParameterSwitchboardEnabledFalseLeavesTheAppWithoutEndpointApiOrClientScript(
            @ArquillianResource @OperateOnDeployment(SWITCHED_OFF) URL app) throws Exception {
        URI base = serverOf(app);
        String context = app.toURI().getPath();
        ApiClient http = ApiClient.of(base, null);

        ApiResponse page = http.get(context);
        assertThat(page.status()).as("the application itself still deploys and serves").isEqualTo(200);
        assertThat(page.body()).contains(TinyApp.PAGE_TEXT);

        assertThat(http.get(context + "switchboard/api/health").status()).as("GET switchboard/api/health").isEqualTo(404);
        assertThat(http.get(context + "switchboard/client.js").status()).as("GET switchboard/client.js").isEqualTo(404);
        assertThat(http.withToken("any").post(context + "switchboard/api/channels/news/events", "{\"event\":\"tick\"}").status())
                .as("POST to the API").isEqualTo(404);
        assertThatThrownBy(() -> WsClient.to(base).prefix(context + "switchboard").connect().close())
                .as("WebSocket handshake on switchboard/ws")
                .isInstanceOfSatisfying(WebSocketHandshakeException.class,
                        refused -> assertThat(refused.getResponse().statusCode()).isEqualTo(404));
    }

    private static URI serverOf(URL app) {
        return URI.create("http://" + app.getHost() + ":" + app.getPort());
    }
}
