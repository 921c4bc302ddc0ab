package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.sse.SseEvents;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * A {@link ClientLink} over Switchboard's SSE transport, as client.js uses it: the stream from one node, each
 * request POSTed with the session's secret, one at a time in order, to the OTHER nodes in turn (a load balancer
 * without sticky sessions). A POST that cannot reach its node (it was killed) goes to the next one, as a load
 * balancer would send it; a POST answered with anything but 202 (the session is gone) ends the link, and the
 * client reconnects, like client.js.
 */
final class SseLink implements ClientLink, SseEvents.Listener {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Events events;
    private final List<ServerNode> postTargets;
    private final SseEvents stream = new SseEvents(this);
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile boolean opened;
    private volatile String session;
    private volatile String secret;
    private int nextTarget; // guarded by this
    private CompletableFuture<?> lastPost = CompletableFuture.completedFuture(null); // guarded by this

    private SseLink(Events events, List<ServerNode> postTargets) {
        this.events = events;
        this.postTargets = postTargets;
    }

    static SseLink open(ServerNode node, List<ServerNode> nodes, Events events) {
        List<ServerNode> others = nodes.stream().filter(other -> !other.id().equals(node.id())).collect(Collectors.toList());
        SseLink link = new SseLink(events, others.isEmpty() ? List.of(node) : others);
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUri() + "/switchboard/sse"))
                .header("Accept", "text/event-stream").header("Origin", node.baseUri().toString()).GET().build();
        HttpResponse.BodyHandler<Void> body = info -> info.statusCode() == 200
                ? HttpResponse.BodySubscribers.fromLineSubscriber(link.stream, s -> null, StandardCharsets.UTF_8, "\n")
                : HttpResponse.BodySubscribers.replacing(null);
        HTTP.sendAsync(request, body)
                .whenComplete((response, error) -> {
                    if (error != null) {
                        link.end("error " + error);
                    } else if (response.statusCode() != 200) {
                        link.end("GET answered " + response.statusCode());
                    }
                });
        return link;
    }

    @Override
    public synchronized void send(String text) {
        lastPost = lastPost.handle((ignored, error) -> null).thenCompose(ignored -> post(text, 0));
    }

    /** POSTs to the next target; a target that cannot be reached passes the request on to the one after. */
    private CompletionStage<Void> post(String text, int tries) {
        if (ended.get()) {
            return CompletableFuture.completedFuture(null);
        }
        ServerNode target;
        synchronized (this) {
            target = postTargets.get(nextTarget++ % postTargets.size());
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.baseUri() + "/switchboard/sse/" + session))
                .timeout(Duration.ofSeconds(15))
                .header("X-Switchboard-Secret", secret).header("Origin", target.baseUri().toString())
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(text)).build();
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, error) -> {
            if (error != null) {
                return tries + 1 < postTargets.size() ? post(text, tries + 1)
                        : CompletableFuture.<Void>completedFuture(end("POST failed: " + error));
            }
            if (response.statusCode() != 202) {
                end("POST answered " + response.statusCode() + " " + response.body());
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(next -> next);
    }

    @Override
    public void abort() {
        ended.set(true);
        stream.cancel();
    }

    @Override
    public void message(String data) {
        JsonNode frame = Json.parse(data);
        if (!opened) {
            session = frame.path("session").asText();
            secret = frame.path("secret").asText();
            opened = true;
            events.opened(this);
        }
        if ("close".equals(frame.path("op").asText())) {
            end(frame.path("code").asInt() + " " + frame.path("reason").asText());
            return;
        }
        events.frame(this, frame);
    }

    @Override
    public void ended(Throwable error) {
        end(error == null ? "stream ended" : "error " + error);
    }

    /** Reports the end once (closed after the welcome, failed before) and drops the stream. */
    private Void end(String why) {
        if (ended.compareAndSet(false, true)) {
            stream.cancel();
            if (opened) {
                events.closed(this, why);
            } else {
                events.failed(this, why);
            }
        }
        return null;
    }
}
