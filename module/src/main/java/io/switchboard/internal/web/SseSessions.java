package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.cluster.ClusterCalls;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.session.Connection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The SSE sessions this node holds, and the way a client's request reaches its session from any
 * node: the node that received the POST hands it over itself ({@link #deliver}) or forwards it to
 * the node the session id names ({@link #forward}), which answers with what its own
 * {@code deliver} said. No sticky sessions: the session id says where, the secret says who may.
 *
 * <p><b>Bounds.</b> A node holds at most {@link #MAX_FORWARDING} forwarded requests waiting for
 * their answer (each up to {@code max-frame}); more are answered 503 at once. The node holding the
 * sessions runs forwarded requests on its bounded cluster thread ({@link ClusterCalls}).
 */
final class SseSessions {
    /** The cluster call that hands a request to the node holding its session. */
    static final String FORWARD_OP = "sse.request";
    static final int ACCEPTED = 202;
    static final int FORBIDDEN = 403;
    static final int NOT_FOUND = 404;
    static final int UNAVAILABLE = 503;
    static final int MAX_FORWARDING = 256;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private record Held(SseStream stream, Connection connection) {
    }

    private final ClusterCalls cluster;
    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final Semaphore forwarding = new Semaphore(MAX_FORWARDING);

    SseSessions(ClusterCalls cluster) {
        this.cluster = cluster;
        cluster.on(FORWARD_OP, this::forwarded);
    }

    /** A fresh session secret: 128 random bits, base64url. */
    static String newSecret() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    void add(SseStream stream, Connection connection) {
        held.put(stream.id(), new Held(stream, connection));
    }

    void remove(SseStream stream) {
        held.computeIfPresent(stream.id(), (id, entry) -> entry.stream() == stream ? null : entry);
    }

    /**
     * Closes every stream this node holds with {@code code}, and waits (up to five seconds) until
     * their close frames are out: for a container that ends open requests before the application's
     * listeners run, so that the node's own stop would find the streams already cut.
     */
    void closeAll(int code, String reason) {
        java.util.List<java.util.concurrent.CompletableFuture<Void>> ends = new java.util.ArrayList<>();
        for (Held entry : held.values()) {
            entry.connection().session().close(code, reason); // queued after what is in flight: asynchronous
            ends.add(entry.stream().ended().toCompletableFuture());
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(ends.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a client that does not read: its stream ends with the container
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many SSE sessions this node holds. */
    int count() {
        return held.size();
    }

    /**
     * Hands {@code frame} to the session as a WebSocket text frame would be, and returns once the
     * session has taken it: {@link #ACCEPTED}, or {@link #NOT_FOUND} (no such open session here),
     * {@link #FORBIDDEN} (wrong secret). One client's requests are handed over one at a time.
     */
    int deliver(String session, String secret, String frame) {
        Held entry = held.get(session);
        if (entry == null || !entry.connection().session().isOpen()) {
            return NOT_FOUND;
        }
        if (secret == null || !MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8),
                entry.stream().secret().getBytes(StandardCharsets.UTF_8))) {
            return FORBIDDEN;
        }
        synchronized (entry.stream().inbound) {
            entry.connection().onText(frame);
        }
        return ACCEPTED;
    }

    /**
     * Asks {@code node} to {@link #deliver} the request; completes with the status it answered, or
     * {@link #NOT_FOUND} when it did not answer (gone: the session went with it), or
     * {@link #UNAVAILABLE} when this node forwards too much already or the bus is down.
     */
    CompletionStage<Integer> forward(String node, String session, String secret, String frame) {
        if (!forwarding.tryAcquire()) {
            return CompletableFuture.completedFuture(UNAVAILABLE);
        }
        JsonNode args = Json.MAPPER.createObjectNode().put("session", session).put("secret", secret).put("frame", frame);
        CompletionStage<Integer> answer;
        try {
            answer = cluster.call(node, FORWARD_OP, args).handle((result, error) -> {
                if (error != null) {
                    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                    return cause instanceof Refusal refusal && refusal.code() == ErrorCode.NOT_FOUND ? NOT_FOUND : UNAVAILABLE;
                }
                return result.ok() ? result.result().path("status").asInt(UNAVAILABLE) : UNAVAILABLE;
            });
        } catch (RuntimeException e) {
            answer = CompletableFuture.completedFuture(UNAVAILABLE);
        }
        return answer.whenComplete((status, error) -> forwarding.release());
    }

    /** Another node's {@link #forward}, on this node's cluster thread. */
    private CompletionStage<JsonNode> forwarded(JsonNode args) {
        int status = deliver(args.path("session").asText(), args.path("secret").asText(null),
                args.path("frame").asText(""));
        return CompletableFuture.completedFuture(Json.MAPPER.createObjectNode().put("status", status));
    }
}
