package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.sse.SseClient;
import io.switchboard.testkit.sse.SseConnector;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsConnector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;

/**
 * The sample WAR as deployed in a container, at a context path ({@code /switchboard-sample} when the WAR
 * is dropped in as it is): its trigger, the module's HTTP API and WebSocket endpoint under that context.
 * Also any other web application that holds the module with its default prefix (the API and endpoint only).
 */
final class DeployedSample {

    /** The context a container gives {@code switchboard-sample.war}. */
    static final String CONTEXT = "/switchboard-sample";

    private final String nodeId;
    private final URI base;
    private final String apiToken;
    private final String context;

    /**
     * @param nodeId   the node id the container was configured with
     * @param base     {@code http://127.0.0.1:<port>} of the container
     * @param apiToken the API token the container was configured with
     */
    DeployedSample(String nodeId, URI base, String apiToken) {
        this(nodeId, base, apiToken, CONTEXT);
    }

    /** Like {@link #DeployedSample(String, URI, String)}, for a web application at {@code context} ({@code /name}). */
    DeployedSample(String nodeId, URI base, String apiToken, String context) {
        this.nodeId = nodeId;
        this.base = base;
        this.apiToken = apiToken;
        this.context = context;
    }

    /** The web application at {@code otherContext} of the same container, with the same settings. */
    DeployedSample at(String otherContext) {
        return new DeployedSample(nodeId, base, apiToken, otherContext);
    }

    /** The application's context path, such as {@value #CONTEXT}. */
    String context() {
        return context;
    }

    String nodeId() {
        return nodeId;
    }

    /** {@code http://127.0.0.1:<port>/switchboard-sample/} */
    URI pageUri() {
        return base.resolve(context + "/");
    }

    /** {@code GET .../switchboard/api/health}; a connection failure counts as status -1. */
    int healthStatus() {
        try {
            return api().get(context + "/switchboard/api/health").status();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** {@code GET .../switchboard/api/health} as JSON; it must answer 200. */
    JsonNode health() {
        return expect(api().get(context + "/switchboard/api/health"), 200, "health");
    }

    /** Submits the sample's trigger form ({@code POST /trigger}, field {@code message}); returns its 200 answer. */
    JsonNode trigger(String message) {
        return expect(api().postForm(context + "/trigger", Map.of("message", message)), 200, "trigger");
    }

    /** Submits a form to {@code path} of this application ({@code /announce}); returns its 200 answer. */
    JsonNode submit(String path, Map<String, String> fields) {
        return expect(api().postForm(context + path, fields), 200, "POST " + path);
    }

    /** Publishes through the module's HTTP API with the bearer token; returns the offset of the 202 answer. */
    String publish(String channel, String event, Object data) {
        ObjectNode body = Json.object().put("event", event);
        body.set("data", Json.tree(data));
        return expect(api().post(context + "/switchboard/api/channels/" + channel + "/events", Json.write(body)),
                202, "publish on " + channel).path("offset").asText();
    }

    /** Publishes to every session of {@code user} through the HTTP API; returns the offset of the 202 answer. */
    String publishToUser(String user, String event, Object data) {
        ObjectNode body = Json.object().put("event", event);
        body.set("data", Json.tree(data));
        return expect(api().post(context + "/switchboard/api/users/" + user + "/events", Json.write(body)),
                202, "publish to user " + user).path("offset").asText();
    }

    /** A WebSocket connection to the module's endpoint, with this container's own Origin, welcomed. */
    WsClient connect() {
        return connect(WsClient.to(base).prefix(context + "/switchboard"));
    }

    /** Like {@link #connect()}, identified by a client token ({@code ?token=}). */
    WsClient connectWithToken(String clientToken) {
        return connect(WsClient.to(base).prefix(context + "/switchboard").token(clientToken));
    }

    /** An SSE connection to the module's {@code /sse} under this context, to configure before connecting. */
    SseConnector sse() {
        return SseClient.to(base).prefix(CONTEXT + "/switchboard");
    }

    /** {@code http://127.0.0.1:<port>} of the container. */
    URI base() {
        return base;
    }

    /** The API token this container was configured with. */
    String apiToken() {
        return apiToken;
    }

    /** The client token secret the container was configured with (derived from the API token, never equal to it). */
    String tokenSecret() {
        return tokenSecretFor(apiToken);
    }

    static String tokenSecretFor(String apiToken) {
        return "client-tokens-" + apiToken;
    }

    private WsClient connect(WsConnector connector) {
        try {
            return connector.connect();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + this, e);
        }
    }

    private ApiClient api() {
        return ApiClient.of(base, apiToken);
    }

    private JsonNode expect(ApiResponse response, int status, String what) {
        if (response.status() != status) {
            throw new AssertionError(what + " on " + this + " answered " + response + " instead of " + status);
        }
        return response.json();
    }

    @Override
    public String toString() {
        return nodeId + " " + pageUri();
    }
}
