package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The answer of an API request that waited in async mode for the core. The work completes on a
 * bus thread (or the node's timer); the answer is written on a container thread
 * ({@link AsyncContext#start}), because a bus thread serves every topic of the node and must not
 * wait on one slow client's socket.
 */
final class AsyncAnswer {
    private static final Logger log = LoggerFactory.getLogger(AsyncAnswer.class);

    private AsyncAnswer() {
    }

    /** When {@code work} completes: {@code status} with its answer, or 503 with {@code unavailable}. */
    static <T> void when(CompletionStage<T> work, AsyncContext async, int status, Function<T, JsonNode> answer,
                         String unavailable) {
        work.whenComplete((result, error) -> {
            if (error != null) {
                log.debug("API request failed: {}", error.toString());
                write(async, 503, Json.MAPPER.createObjectNode().put("error", ErrorCode.UNAVAILABLE.wireName())
                        .put("message", unavailable));
                return;
            }
            write(async, status, answer.apply(result));
        });
    }

    /** Writes {@code body} with {@code status} on a container thread, then completes the request. */
    static void write(AsyncContext async, int status, JsonNode body) {
        try {
            async.start(() -> {
                try {
                    ApiResponses.json((HttpServletResponse) async.getResponse(), status, body);
                } catch (IOException | IllegalStateException e) {
                    log.debug("Could not write the API answer: {}", e.toString());
                } finally {
                    async.complete();
                }
            });
        } catch (IllegalStateException ended) {
            // The request timed out or the client left before the answer: nothing to write to.
            log.debug("The API request ended before its answer: {}", ended.toString());
        }
    }
}
