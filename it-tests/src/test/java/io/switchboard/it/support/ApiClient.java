package io.switchboard.it.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testkit.Json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The HTTP trigger API of one server, called with the bearer token (JDK HttpClient, HTTP/1.1).
 * Also sends deliberately wrong requests: other tokens, no token, raw bodies.
 */
public final class ApiClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final URI base;
    /** The Authorization header sent, or null for none. */
    private final String authorization;

    private ApiClient(URI base, String authorization) {
        this.base = base;
        this.authorization = authorization;
    }

    /** A client for the server at {@code base} (e.g. {@code http://127.0.0.1:8080}); {@code token} may be null. */
    public static ApiClient of(URI base, String token) {
        return new ApiClient(base, bearer(token));
    }

    /** The same server with another token ({@code null}: send no Authorization header). */
    public ApiClient withToken(String otherToken) {
        return new ApiClient(base, bearer(otherToken));
    }

    /** The same server with this Authorization header as it is, e.g. a malformed one ({@code null}: none). */
    public ApiClient withAuthorization(String header) {
        return new ApiClient(base, header);
    }

    private static String bearer(String token) {
        return token == null ? null : "Bearer " + token;
    }

    /** {@code POST /switchboard/api/channels/{channel}/events}. */
    public ApiResponse publish(String channel, String event, Object data) {
        return post("/switchboard/api/channels/" + channel + "/events", eventBody(event, data));
    }

    /**
     * {@code POST /switchboard/api/channels/{channel}/events} with an {@code Idempotency-Key} header: sent again
     * with the same key after a refusal or a lost answer, the event is published at most once.
     */
    public ApiResponse publish(String channel, String event, Object data, String idempotencyKey) {
        return send(request("/switchboard/api/channels/" + channel + "/events")
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(eventBody(event, data), StandardCharsets.UTF_8)));
    }

    /** {@code POST /switchboard/api/users/{user}/events}. */
    public ApiResponse publishToUser(String user, String event, Object data) {
        return post("/switchboard/api/users/" + user + "/events", eventBody(event, data));
    }

    /** {@code publish} that must answer 202; returns the offset it names. */
    public String publishAccepted(String channel, String event, Object data) {
        ApiResponse response = publish(channel, event, data);
        if (response.status() != 202) {
            throw new AssertionError("publish on " + channel + " via " + base + " answered " + response);
        }
        return response.json().path("offset").asText();
    }

    /** {@code GET /switchboard/api/health} (no token needed). */
    public ApiResponse health() {
        return get("/switchboard/api/health");
    }

    /** A POST of a JSON body to {@code path}. */
    public ApiResponse post(String path, String jsonBody) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8)));
    }

    /** A POST of a JSON body sent chunked: no Content-Length tells the server how large it is. */
    public ApiResponse postChunked(String path, byte[] jsonBody) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(jsonBody))));
    }

    /** A POST of a form ({@code application/x-www-form-urlencoded}) to {@code path}. */
    public ApiResponse postForm(String path, Map<String, String> fields) {
        String form = fields.entrySet().stream()
                .map(field -> encode(field.getKey()) + "=" + encode(field.getValue()))
                .collect(Collectors.joining("&"));
        return send(request(path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8)));
    }

    /**
     * A POST of a form with extra request headers (e.g. {@code Origin}, {@code Cookie}); the whole
     * response, for tests that read its headers ({@code Set-Cookie}).
     */
    public HttpResponse<String> postForm(String path, Map<String, String> fields, Map<String, String> headers) {
        String form = fields.entrySet().stream()
                .map(field -> encode(field.getKey()) + "=" + encode(field.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder builder = request(path)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8));
        headers.forEach(builder::header);
        HttpRequest built = builder.build();
        try {
            return HTTP.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + built.method() + " " + built.uri(), e);
        }
    }

    /** A GET of {@code path}. */
    public ApiResponse get(String path) {
        return send(request(path).GET());
    }

    /** A GET of {@code path} with extra request headers (e.g. the {@code Cookie} of a login). */
    public ApiResponse get(String path, Map<String, String> headers) {
        HttpRequest.Builder builder = request(path).GET();
        headers.forEach(builder::header);
        return send(builder);
    }

    /** A DELETE of {@code path}. */
    public ApiResponse delete(String path) {
        return send(request(path).DELETE());
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder;
    }

    private static ApiResponse send(HttpRequest.Builder request) {
        HttpRequest built = request.build();
        try {
            HttpResponse<String> response = HTTP.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new ApiResponse(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(built.method() + " " + built.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during " + built.method() + " " + built.uri(), e);
        }
    }

    private static String eventBody(String event, Object data) {
        ObjectNode body = Json.object();
        body.put("event", event);
        body.set("data", Json.tree(data));
        return Json.write(body);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "api " + base;
    }
}
