package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.ClientMessage;
import io.switchboard.internal.messages.MessageHandlers;
import io.switchboard.internal.protocol.ClientRequest;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Refusal;

import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's {@code send}s to the application's handlers ({@link MessageHandlers}): its own
 * limits first, then the call, then the {@code reply} or {@code error} with the send's {@code id}.
 * A send without {@code id} runs its handler and is answered nothing once accepted; a send refused
 * before its handler runs is answered {@code error}, as any refused request.
 *
 * <p>What a client can make the node hold for it is bounded: at most {@link #MAX_AWAITING} sends
 * whose handler has not answered (with or without {@code id}), at most {@code send-rate} new ones
 * a second; data up to {@code max-data}. Nothing is kept for a closed connection: a reply that
 * completes after the close finds the session closed and is dropped.
 *
 * <p><b>Threads.</b> {@link #send} on the connection's thread; answers from wherever the call
 * completes (a handler thread, the application's, the node's timer), through the session's
 * queue. {@code awaiting} is atomic for that reason.
 */
final class ClientMessages {
    /** Sends per connection whose handler has not answered yet; more are {@code rate_limited}. */
    static final int MAX_AWAITING = 16;

    private final SessionServices node;
    private final ClientSession session;
    private final Optional<String> user;
    private final RateLimiter rate;
    private final AtomicInteger awaiting = new AtomicInteger();

    ClientMessages(SessionServices node, ClientSession session, String user) {
        this.node = node;
        this.session = session;
        this.user = Optional.ofNullable(user);
        this.rate = new RateLimiter(node.limits().sendRatePerSecond());
    }

    /** {@code send}: {@code event}, {@code data}, {@code id?}. */
    void send(ClientRequest request) {
        try {
            call(request);
        } catch (Refusal refused) {
            node.stats().message(refused.code());
            throw refused;
        }
    }

    private void call(ClientRequest request) {
        String event = request.requiredString("event");
        JsonNode data = request.data();
        MessageHandlers.Prepared prepared = node.messages().prepare(event, data);
        if (awaiting.get() >= MAX_AWAITING) {
            throw new Refusal(ErrorCode.RATE_LIMITED, "at most " + MAX_AWAITING
                    + " sends awaiting their reply per connection");
        }
        if (!rate.tryAcquire()) { // last: a refusal above costs the node nothing
            throw new Refusal(ErrorCode.RATE_LIMITED, "at most " + node.limits().sendRatePerSecond()
                    + " sends per second per connection");
        }
        JsonNode id = request.id();
        ClientMessage message = new ClientMessage(event, data, user, session.id(), node.nodeId());
        awaiting.incrementAndGet();
        try {
            node.messages().call(prepared, message).whenComplete((reply, error) -> {
                awaiting.decrementAndGet();
                node.stats().message(error == null ? null : codeOf(error));
                if (id != null) {
                    session.send(error == null ? Frames.reply(id, reply) : refusal(error, id));
                }
            });
        } catch (Refusal notTaken) {
            awaiting.decrementAndGet();
            throw notTaken;
        }
    }

    /** The error code a failed call is answered with (see {@link #refusal}). */
    private static ErrorCode codeOf(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof Refusal refusal ? refusal.code() : ErrorCode.INTERNAL;
    }

    private static String refusal(Throwable error, JsonNode id) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof Refusal refusal) {
            return Frames.error(refusal.code(), refusal.getMessage(), id);
        }
        return Frames.error(ErrorCode.INTERNAL, "the handler failed", id); // MessageHandlers fails only with a Refusal
    }
}
