package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The answer of an API request that waited in async mode for the core. The work completes on a
 * bus thread (or the node's timer), which must never wait on a client's socket: a bus thread
 * serves every topic of the node.
 *
 * <p>An answer that fits the response's buffer (every publish answer: a few dozen bytes) is put
 * into that buffer on the completing thread, which touches no socket, and {@link AsyncContext#complete}
 * has the container send it and end the request on a thread of its own. Only a larger answer (a
 * long history page), whose writing could wait on the socket, is handed to a container thread
 * first ({@link AsyncContext#start}): one thread hand-off per request instead of two.
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

    /** Writes {@code body} with {@code status} without waiting on the socket, then completes the request. */
    static void write(AsyncContext async, int status, JsonNode body) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a tree of our own making always serializes
        }
        try {
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            if (!response.isCommitted() && bytes.length < response.getBufferSize()) {
                buffered(async, response, status, bytes);
                return;
            }
            async.start(() -> {
                try {
                    ApiResponses.json((HttpServletResponse) async.getResponse(), status, bytes);
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

    /**
     * Into the response's buffer, on the calling thread: less than a buffer's worth without a
     * {@code Content-Length} stays in the buffer (a declared length reached may flush at once); the
     * container sends it, with its length, when the request completes.
     */
    private static void buffered(AsyncContext async, HttpServletResponse response, int status, byte[] bytes) {
        try {
            ApiResponses.headers(response, status);
            response.getOutputStream().write(bytes);
        } catch (IOException e) {
            log.debug("Could not write the API answer: {}", e.toString());
        } finally {
            async.complete();
        }
    }
}
