package io.switchboard.internal.cluster;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.core.Timeouts;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Requests from one node to another, or to all, over the bus: how a node that holds no socket
 * reaches the sessions of a user or one session wherever they are.
 *
 * <p>Wire (JSON text on the bus's node channels, never Java serialization):
 * {@code {"call": id, "from": node, "op": ..., "args": {...}}} and
 * {@code {"answer": id, "from": node, "result": ...}} or {@code {"answer": id, "from": node,
 * "error": code, "message": ...}}. Like pub/sub, a message to a node that cannot receive is
 * lost: {@link #call} fails and {@link #callAll} completes without that node's answer after
 * {@link #ANSWER_WAIT}.
 *
 * <p><b>Threads.</b> Messages arrive on bus threads; answers complete waiting stages there.
 * Handlers run on {@code handlers} (the node's, bounded): they touch sessions and must not
 * hold a bus thread. Calls waiting for answers are bounded ({@link #MAX_WAITING}).
 */
public final class ClusterCalls {
    private static final Logger log = LoggerFactory.getLogger(ClusterCalls.class);
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));
    /** How long a call waits for answers: a node that has not answered by then is taken as gone. */
    public static final long ANSWER_WAIT = 3_000;
    private static final int MAX_WAITING = 10_000;

    /** What a handler answers with; a {@link Refusal} it throws (or fails with) is answered as an error. */
    public interface Handler extends Function<JsonNode, CompletionStage<JsonNode>> {
    }

    private final Bus bus;
    private final String nodeId;
    private final Executor handlers;
    private final Timeouts timeouts;
    private final Supplier<CompletionStage<Set<String>>> liveNodes;
    private final Map<String, Handler> byOp = new ConcurrentHashMap<>();
    private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();

    /** An answer from one node: a result, or the error code and message it refused with. */
    public record Answer(String node, JsonNode result, ErrorCode error, String message) {
        public boolean ok() {
            return error == null;
        }
    }

    private record Waiting(Set<String> expected, Map<String, Answer> answers, CompletableFuture<Map<String, Answer>> done) {
    }

    /**
     * @param liveNodes the nodes that announced themselves lately (this one included or not)
     */
    public ClusterCalls(Bus bus, String nodeId, Executor handlers, Timeouts timeouts,
                        Supplier<CompletionStage<Set<String>>> liveNodes) {
        this.bus = bus;
        this.nodeId = nodeId;
        this.handlers = handlers;
        this.timeouts = timeouts;
        this.liveNodes = liveNodes;
    }

    /** Starts receiving calls and answers. */
    public void start() {
        bus.openInbox(nodeId, this::received);
    }

    /** Registers the handler of {@code op} on this node. */
    public void on(String op, Handler handler) {
        byOp.put(op, handler);
    }

    /**
     * Asks one node. Fails with {@link Refusal} {@code not_found} if it does not answer within
     * {@link #ANSWER_WAIT} (gone, or never was); completes with its answer otherwise.
     */
    public CompletionStage<Answer> call(String node, String op, JsonNode args) {
        return ask(Set.of(node), op, args, message -> bus.sendToNode(node, message)).thenApply(answers -> {
            Answer answer = answers.get(node);
            if (answer == null) {
                throw new Refusal(ErrorCode.NOT_FOUND, "node " + node + " did not answer");
            }
            return answer;
        });
    }

    /**
     * Asks every live node, this one included; completes with the answers of those that answered
     * within {@link #ANSWER_WAIT}, by node.
     */
    public CompletionStage<Map<String, Answer>> callAll(String op, JsonNode args) {
        return liveNodes.get().exceptionally(error -> Set.of()).thenCompose(nodes -> {
            Set<String> expected = new java.util.HashSet<>(nodes);
            expected.add(nodeId);
            return ask(expected, op, args, bus::sendToAll);
        });
    }

    private CompletionStage<Map<String, Answer>> ask(Set<String> expected, String op, JsonNode args,
                                                     Function<String, CompletionStage<Void>> send) {
        if (waiting.size() >= MAX_WAITING) {
            return CompletableFuture.failedFuture(new Refusal(ErrorCode.UNAVAILABLE, "too many cluster calls waiting"));
        }
        String id = UUID.randomUUID().toString();
        Waiting call = new Waiting(Set.copyOf(expected), new ConcurrentHashMap<>(), new CompletableFuture<>());
        waiting.put(id, call);
        ObjectNode message = Json.MAPPER.createObjectNode().put("call", id).put("from", nodeId).put("op", op);
        message.set("args", args == null ? NullNode.instance : args);
        send.apply(message.toString()).whenComplete((sent, error) -> {
            if (error != null) {
                call.done().completeExceptionally(new Refusal(ErrorCode.UNAVAILABLE, "the bus is unavailable"));
            }
        });
        timeouts.within(call.done(), ANSWER_WAIT).whenComplete((answers, error) -> {
            waiting.remove(id);
            call.done().complete(Map.copyOf(call.answers())); // a deadline: what has arrived is the answer
        });
        return call.done();
    }

    /** On a bus thread. */
    private void received(String text) {
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            warnings.warn("cluster-message", "Ignored a node message that is not JSON: {}", e.getOriginalMessage());
            return;
        }
        if (message == null || !message.path("from").isTextual()) {
            return;
        }
        if (message.path("answer").isTextual()) {
            answered(message);
        } else if (message.path("call").isTextual() && message.path("op").isTextual()) {
            handle(message);
        }
    }

    private void answered(JsonNode message) {
        Waiting call = waiting.get(message.get("answer").textValue());
        if (call == null) {
            return; // after its deadline
        }
        String from = message.get("from").textValue();
        ErrorCode error = null;
        if (message.has("error")) {
            error = errorCode(message.path("error").asText());
        }
        call.answers().put(from, new Answer(from, message.path("result"), error, message.path("message").asText(null)));
        if (call.answers().keySet().containsAll(call.expected())) {
            call.done().complete(Map.copyOf(call.answers()));
        }
    }

    private void handle(JsonNode message) {
        String id = message.get("call").textValue();
        String from = message.get("from").textValue();
        Handler handler = byOp.get(message.get("op").textValue());
        if (handler == null) {
            answer(from, id, null, new Refusal(ErrorCode.NOT_FOUND, "no such cluster call"));
            return;
        }
        try {
            handlers.execute(() -> {
                CompletionStage<JsonNode> result;
                try {
                    result = handler.apply(message.path("args"));
                } catch (RuntimeException e) {
                    result = CompletableFuture.failedFuture(e);
                }
                result.whenComplete((value, error) -> answer(from, id, value, error));
            });
        } catch (RejectedExecutionException busy) {
            answer(from, id, null, new Refusal(ErrorCode.UNAVAILABLE, "node " + nodeId + " is too busy to answer"));
        }
    }

    private void answer(String to, String id, JsonNode result, Throwable error) {
        ObjectNode answer = Json.MAPPER.createObjectNode().put("answer", id).put("from", nodeId);
        if (error == null) {
            answer.set("result", result == null ? NullNode.instance : result);
        } else {
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof Refusal refusal) {
                answer.put("error", refusal.code().wireName()).put("message", refusal.getMessage());
            } else {
                warnings.warn("cluster-call-failed", "A cluster call failed on this node: {}", cause.toString());
                answer.put("error", ErrorCode.INTERNAL.wireName()).put("message", "the call failed on node " + nodeId);
            }
        }
        bus.sendToNode(to, answer.toString()).whenComplete((sent, failed) -> {
            if (failed != null) {
                log.debug("Could not answer a cluster call of {}: {}", to, failed.toString());
            }
        });
    }

    private static ErrorCode errorCode(String wireName) {
        for (ErrorCode code : ErrorCode.values()) {
            if (code.wireName().equals(wireName)) {
                return code;
            }
        }
        return ErrorCode.INTERNAL;
    }
}
