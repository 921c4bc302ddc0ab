package io.switchboard.internal.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.switchboard.api.ClientMessage;
import io.switchboard.api.MessageHandler;
import io.switchboard.api.MessageRefused;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;

import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

/**
 * One call of a handler: run on a handler thread, answered once, by whichever comes first of the
 * handler's reply and the deadline.
 *
 * <p>What the client learns is decided here, and only a {@link MessageRefused} says anything the
 * application chose: every other failure is {@code internal} with a fixed message, because an
 * exception's message can hold anything (SQL, paths, other users' data). The detail goes to the
 * log, at most once a minute per kind.
 *
 * <p><b>Threads.</b> {@link #run} on a handler thread; {@link #timedOut} on the node's timer;
 * the handler's stage completes wherever the application completes it, and the reply is encoded
 * there. {@link #answer} completes exactly once ({@code CompletableFuture}'s own compare-and-set);
 * {@code running} is guarded by {@code this}.
 */
final class HandlerCall implements Runnable {
    private static final String INTERNAL = "the handler failed";

    private final String event;
    private final MessageHandler handler;
    private final MessageHandlers owner;
    private final CompletableFuture<String> answer = new CompletableFuture<>();
    /** Dropped once the handler has it: a stage the application never completes then holds less. */
    private volatile ClientMessage message;
    private volatile Runnable cancelDeadline = () -> { };
    /** The handler thread while the handler's own code runs on it, else null; guarded by this. */
    private Thread running;

    HandlerCall(String event, MessageHandler handler, ClientMessage message, MessageHandlers owner) {
        this.event = event;
        this.handler = handler;
        this.message = message;
        this.owner = owner;
    }

    /** The reply's data as JSON text, or a {@link Refusal}. */
    CompletableFuture<String> answer() {
        return answer;
    }

    void deadline(Runnable cancel) {
        this.cancelDeadline = cancel;
        if (answer.isDone()) {
            cancel.run();
        }
    }

    /** The call was never queued: nothing will run it. */
    void abandon() {
        answer.cancel(false);
        cancelDeadline.run();
    }

    @Override
    public void run() {
        synchronized (this) {
            if (answer.isDone()) {
                return; // timed out while it waited for a thread: the client was told, it must not run now
            }
            running = Thread.currentThread();
        }
        ClientMessage input = message;
        message = null;
        CompletionStage<?> reply;
        try {
            reply = handler.onMessage(input);
        } catch (Throwable e) { // whatever the application throws ends here, not in the pool
            synchronized (this) {
                running = null;
            }
            failed(e);
            if (e instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            return;
        }
        synchronized (this) {
            running = null; // from here on a deadline no longer interrupts this thread
        }
        if (reply == null) {
            owner.warnings().warn("handler-failed", "The message handler of {} returned no stage (null); "
                    + "answered internal", LogLimiter.clip(event, 128));
            refuse(new Refusal(ErrorCode.INTERNAL, INTERNAL));
            return;
        }
        reply.whenComplete((value, error) -> {
            if (error != null) {
                failed(error);
            } else {
                replied(value);
            }
        });
    }

    /**
     * The deadline passed before the reply: the client is answered {@code unavailable}, and a
     * handler still running its own code is interrupted, so that a handler blocked for good does
     * not keep a handler thread from every other caller.
     */
    void timedOut() {
        if (!answer.completeExceptionally(new Refusal(ErrorCode.UNAVAILABLE,
                "no reply within " + owner.timeoutMillis() + " ms"))) {
            return;
        }
        synchronized (this) {
            if (running != null) {
                running.interrupt();
            }
        }
        owner.warnings().warn("handler-timeout", "The message handler of {} did not reply within {} ms; "
                + "answered unavailable", LogLimiter.clip(event, 128), owner.timeoutMillis());
    }

    private void replied(Object value) {
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException | RuntimeException e) {
            owner.warnings().warn("handler-reply", "The reply of the message handler of {} could not be "
                    + "written as JSON ({}); answered internal", LogLimiter.clip(event, 128), e.toString());
            refuse(new Refusal(ErrorCode.INTERNAL, INTERNAL));
            return;
        }
        if (!owner.fits(json)) {
            // The application's defect, not the client's: too_large would tell the client to send less.
            owner.warnings().warn("handler-reply", "The message handler of {} replied with more than "
                    + "switchboard.max-data ({} bytes); answered internal", LogLimiter.clip(event, 128),
                    owner.maxDataBytes());
            refuse(new Refusal(ErrorCode.INTERNAL, "the handler's reply is over " + owner.maxDataBytes() + " bytes"));
            return;
        }
        if (answer.complete(json)) {
            cancelDeadline.run();
        }
    }

    private void failed(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof MessageRefused refused) {
            refuse(new Refusal(codeOf(refused), refused.getMessage() == null ? refused.code() : refused.getMessage()));
            return;
        }
        if (!answer.isDone()) { // a late failure after the deadline was logged as a timeout already
            owner.warnings().warn("handler-failed", "The message handler of {} failed; answered internal: {}",
                    LogLimiter.clip(event, 128), cause.toString());
        }
        refuse(new Refusal(ErrorCode.INTERNAL, INTERNAL));
    }

    private void refuse(Refusal refusal) {
        if (answer.completeExceptionally(refusal)) {
            cancelDeadline.run();
        }
    }

    /** {@link MessageRefused#CODES} are all wire names of {@link ErrorCode}. */
    private static ErrorCode codeOf(MessageRefused refused) {
        return ErrorCode.valueOf(refused.code().toUpperCase(Locale.ROOT));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
