package io.switchboard.internal.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.ClientMessage;
import io.switchboard.api.MessageHandler;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;

/**
 * The application's handlers of what clients {@code send} ({@link Switchboard#onMessage}), and the
 * one way they are called. A door checks a send with {@link #prepare}, makes its own checks (a
 * connection's rate limits), then {@link #call}s; the outcome is typed for the door to map:
 * <ul>
 *   <li>a {@link Refusal} thrown at once for what the client sent ({@code bad_request} event name,
 *       {@code too_large} data, {@code not_found} event) or because the node cannot take the call
 *       now ({@code unavailable}: every handler thread busy and the queue full, or stopping);</li>
 *   <li>a stage that completes with the reply's data as JSON text, or fails with a {@link Refusal}:
 *       the handler's own {@link io.switchboard.api.MessageRefused} code and message,
 *       {@code unavailable} when no reply came within the handler timeout, {@code internal} for
 *       anything else (see {@link HandlerCall}).</li>
 * </ul>
 *
 * <p><b>Threads.</b> Handlers run on {@code pool} (the node's bounded {@code switchboard-handler}
 * threads), never on the caller's thread, which is a container or bus thread. The registry is a
 * concurrent map: handlers may be registered and closed from any thread at any time; a call uses
 * the handler registered when it was prepared.
 */
public final class MessageHandlers {
    private final Map<String, Entry> byEvent = new ConcurrentHashMap<>();
    private final Executor pool;
    private final Deadlines deadlines;
    private final long timeoutMillis;
    private final int maxDataBytes;
    private final LogLimiter warnings;
    private final BooleanSupplier stopping;

    /** One registration; its identity tells a {@code close()} whether the handler is still its own. */
    private record Entry(MessageHandler handler) {
    }

    /** A send checked for what the client sent, with the handler that will answer it. */
    public static final class Prepared {
        private final String event;
        private final MessageHandler handler;

        private Prepared(String event, MessageHandler handler) {
            this.event = event;
            this.handler = handler;
        }
    }

    /**
     * @param pool          runs handlers; bounded, rejects when full
     * @param timeoutMillis how long a call may take, from when it was accepted (its wait for a
     *                      handler thread included) to its reply
     * @param maxDataBytes  the largest data a client may send, and a handler reply with
     * @param warnings      for handlers that fail, time out or reply too much: the application's
     *                      defects, logged at most once a minute per kind
     * @param stopping      true once the node stops: calls are refused from then on
     */
    public MessageHandlers(Executor pool, Deadlines deadlines, long timeoutMillis, int maxDataBytes,
                           LogLimiter warnings, BooleanSupplier stopping) {
        this.pool = pool;
        this.deadlines = deadlines;
        this.timeoutMillis = timeoutMillis;
        this.maxDataBytes = maxDataBytes;
        this.warnings = warnings;
        this.stopping = stopping;
    }

    /**
     * Registers the handler of {@code event}, replacing any earlier one.
     *
     * @throws IllegalArgumentException for an event name clients could not send (1 to 128 printable characters)
     */
    public Switchboard.Registration register(String event, MessageHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!ChannelNames.isValidEvent(event)) {
            throw new IllegalArgumentException("invalid event name " + ChannelNames.quote(event)
                    + ": 1 to 128 printable characters");
        }
        Entry entry = new Entry(handler);
        byEvent.put(event, entry);
        return new Switchboard.Registration() {
            @Override
            public CompletionStage<Void> ready() {
                return CompletableFuture.<Void>completedFuture(null).minimalCompletionStage();
            }

            @Override
            public void close() {
                byEvent.remove(event, entry); // a later registration of the same event stays
            }
        };
    }

    /**
     * Checks a send: its event name, the size of its data, that a handler answers the event.
     *
     * @throws Refusal {@code bad_request}, {@code too_large} or {@code not_found}
     */
    public Prepared prepare(String event, JsonNode data) {
        if (!ChannelNames.isValidEvent(event)) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid event name " + ChannelNames.quote(event)
                    + ": 1 to 128 printable characters");
        }
        if (!fits(encode(data))) {
            throw new Refusal(ErrorCode.TOO_LARGE, "send data over " + maxDataBytes + " bytes");
        }
        Entry entry = byEvent.get(event);
        if (entry == null) {
            throw new Refusal(ErrorCode.NOT_FOUND, "no handler for event " + ChannelNames.quote(event));
        }
        return new Prepared(event, entry.handler());
    }

    /**
     * Calls the handler on a handler thread, with the handler timeout.
     *
     * @param message what the handler receives; its event and data are those {@code prepared} checked
     * @return the reply's data as JSON text; fails only with a {@link Refusal}
     * @throws Refusal {@code unavailable} when the node cannot take the call now
     */
    public CompletionStage<String> call(Prepared prepared, ClientMessage message) {
        if (stopping.getAsBoolean()) {
            throw new Refusal(ErrorCode.UNAVAILABLE, "the server is shutting down");
        }
        HandlerCall call = new HandlerCall(prepared.event, prepared.handler, message, this);
        try {
            call.deadline(deadlines.after(timeoutMillis, call::timedOut));
            pool.execute(call);
        } catch (RejectedExecutionException full) {
            call.abandon();
            throw new Refusal(ErrorCode.UNAVAILABLE, stopping.getAsBoolean() ? "the server is shutting down"
                    : "too many messages waiting for a handler; retry shortly");
        }
        return call.answer();
    }

    long timeoutMillis() {
        return timeoutMillis;
    }

    int maxDataBytes() {
        return maxDataBytes;
    }

    LogLimiter warnings() {
        return warnings;
    }

    /** Whether JSON text is at most {@code max-data} bytes in UTF-8 (measured only when it could be over). */
    boolean fits(String json) {
        return json.length() <= maxDataBytes / 3 || json.getBytes(StandardCharsets.UTF_8).length <= maxDataBytes;
    }

    private static String encode(JsonNode data) {
        try {
            return Json.MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }
}
