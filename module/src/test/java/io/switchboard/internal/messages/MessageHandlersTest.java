package io.switchboard.internal.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.switchboard.api.ClientMessage;
import io.switchboard.api.MessageRefused;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.testing.RecordingLogger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry of message handlers and how a call is run and answered, on a pool and deadlines the
 * test drives by hand: nothing here waits for time to pass.
 */
class MessageHandlersTest {
    private static final long TIMEOUT = 250;
    private static final int MAX_DATA = 64;

    private final ManualPool pool = new ManualPool();
    private final ManualDeadlines deadlines = new ManualDeadlines();
    private final RecordingLogger log = new RecordingLogger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final MessageHandlers handlers = new MessageHandlers(pool, deadlines, TIMEOUT, MAX_DATA,
            new LogLimiter(log.logger(), Duration.ofMinutes(1), new AtomicInteger()::incrementAndGet), stopping::get);

    /** Runs tasks only when the test says so; rejects once {@link #full}. */
    private static final class ManualPool implements Executor {
        final Queue<Runnable> queued = new ArrayDeque<>();
        boolean full;

        @Override
        public void execute(Runnable task) {
            if (full) {
                throw new RejectedExecutionException("full");
            }
            queued.add(task);
        }

        void runAll() {
            while (!queued.isEmpty()) {
                queued.poll().run();
            }
        }
    }

    /** Deadlines that pass when the test says so. */
    private static final class ManualDeadlines implements Deadlines {
        record Scheduled(long millis, Runnable task, AtomicBoolean cancelled) {
        }

        final List<Scheduled> scheduled = new ArrayList<>();

        @Override
        public Runnable after(long millis, Runnable task) {
            Scheduled entry = new Scheduled(millis, task, new AtomicBoolean());
            scheduled.add(entry);
            return () -> entry.cancelled().set(true);
        }

        void pass() {
            for (Scheduled entry : scheduled) {
                if (!entry.cancelled().get()) {
                    entry.task().run();
                }
            }
        }

        boolean allCancelled() {
            return scheduled.stream().allMatch(entry -> entry.cancelled().get());
        }
    }

    private static ClientMessage message(String event, Object data) {
        return new ClientMessage(event, Json.MAPPER.valueToTree(data), Optional.of("alice"), "n1.abc", "n1");
    }

    private CompletableFuture<String> call(String event, Object data) {
        ClientMessage message = message(event, data);
        return handlers.call(handlers.prepare(event, message.data()), message).toCompletableFuture();
    }

    private static Refusal refusalOf(CompletableFuture<String> answer) {
        assertThat(answer).isCompletedExceptionally();
        return (Refusal) answer.handle((value, error) -> error).join();
    }

    @Test
    void theHandlerRunsOnThePoolWithTheMessageAndItsReplyIsAnsweredAsJson() {
        AtomicReference<ClientMessage> received = new AtomicReference<>();
        handlers.register("echo", message -> {
            received.set(message);
            return CompletableFuture.completedFuture(Map.of("got", message.data()));
        });

        CompletableFuture<String> answer = call("echo", Map.of("x", 1));
        assertThat(answer).as("nothing runs on the caller's thread").isNotDone();
        assertThat(received.get()).isNull();

        pool.runAll();

        assertThat(answer.join()).isEqualTo("{\"got\":{\"x\":1}}");
        assertThat(received.get()).isEqualTo(message("echo", Map.of("x", 1)));
        assertThat(deadlines.scheduled).extracting(ManualDeadlines.Scheduled::millis).containsExactly(TIMEOUT);
        assertThat(deadlines.allCancelled()).as("the deadline is dropped with the reply").isTrue();
    }

    @Test
    void aNullReplyIsAnsweredAsJsonNull() {
        handlers.register("nothing", message -> CompletableFuture.completedFuture(null));
        CompletableFuture<String> answer = call("nothing", null);
        pool.runAll();
        assertThat(answer.join()).isEqualTo("null");
    }

    @Test
    void anUnknownEventIsNotFoundABadEventNameBadRequestAndDataOverMaxDataTooLarge() {
        handlers.register("echo", message -> CompletableFuture.completedFuture(null));

        assertThatThrownBy(() -> handlers.prepare("nobody", NullNode.instance)).isInstanceOf(Refusal.class)
                .hasMessageContaining("no handler for event 'nobody'")
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> handlers.prepare("", NullNode.instance)).isInstanceOf(Refusal.class)
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.BAD_REQUEST));
        JsonNode large = Json.MAPPER.valueToTree("x".repeat(MAX_DATA));
        assertThatThrownBy(() -> handlers.prepare("echo", large)).isInstanceOf(Refusal.class)
                .hasMessageContaining("over " + MAX_DATA + " bytes")
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.TOO_LARGE));
        JsonNode fits = Json.MAPPER.valueToTree("x".repeat(MAX_DATA - 2)); // with its quotes: MAX_DATA bytes
        assertThat(handlers.prepare("echo", fits)).isNotNull();
        assertThat(pool.queued).as("a refused send runs nothing").isEmpty();
    }

    @Test
    void multiByteCharactersCountAsTheirUtf8Bytes() {
        handlers.register("echo", message -> CompletableFuture.completedFuture(null));
        JsonNode euros = Json.MAPPER.valueToTree("€".repeat(MAX_DATA / 3)); // 3 bytes each, plus the quotes
        assertThatThrownBy(() -> handlers.prepare("echo", euros)).isInstanceOf(Refusal.class)
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.TOO_LARGE));
    }

    @Test
    void closingARegistrationRemovesOnlyItsOwnHandler() {
        Switchboard.Registration first = handlers.register("e", message -> CompletableFuture.completedFuture(1));
        assertThat(first.ready().toCompletableFuture()).isCompleted();
        first.close();
        assertThatThrownBy(() -> handlers.prepare("e", NullNode.instance)).isInstanceOf(Refusal.class);

        Switchboard.Registration second = handlers.register("e", message -> CompletableFuture.completedFuture(2));
        first.close(); // again, after a new registration of the same event: changes nothing
        CompletableFuture<String> answer = call("e", null);
        pool.runAll();
        assertThat(answer.join()).isEqualTo("2");
        second.close();
        second.close();
        assertThatThrownBy(() -> handlers.prepare("e", NullNode.instance)).isInstanceOf(Refusal.class);
        assertThatThrownBy(() -> handlers.register("bad\nname", message -> null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCallThePoolCannotTakeIsUnavailableAtOnceAndLeavesNoDeadline() {
        handlers.register("echo", message -> CompletableFuture.completedFuture(null));
        pool.full = true;

        assertThatThrownBy(() -> call("echo", null)).isInstanceOf(Refusal.class)
                .hasMessageContaining("too many messages waiting")
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(deadlines.allCancelled()).isTrue();
    }

    @Test
    void aStoppingNodeTakesNoCall() {
        handlers.register("echo", message -> CompletableFuture.completedFuture(null));
        stopping.set(true);
        assertThatThrownBy(() -> call("echo", null)).isInstanceOf(Refusal.class)
                .satisfies(e -> assertThat(((Refusal) e).code()).isEqualTo(ErrorCode.UNAVAILABLE));
        assertThat(pool.queued).isEmpty();
    }

    @Test
    void noReplyBeforeTheDeadlineIsUnavailableAndALateReplyChangesNothing() {
        CompletableFuture<Object> reply = new CompletableFuture<>();
        handlers.register("slow", message -> reply);
        CompletableFuture<String> answer = call("slow", null);
        pool.runAll();
        assertThat(answer).isNotDone();

        deadlines.pass();

        Refusal refusal = refusalOf(answer);
        assertThat(refusal.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(refusal.getMessage()).isEqualTo("no reply within " + TIMEOUT + " ms");
        assertThat(log.lines).anyMatch(line -> line.contains("did not reply within " + TIMEOUT + " ms"));
        reply.complete("late");
        assertThat(refusalOf(answer).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    @Test
    void aCallWhoseDeadlinePassedWhileItWaitedForAThreadNeverRunsItsHandler() {
        AtomicInteger runs = new AtomicInteger();
        handlers.register("queued", message -> {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        CompletableFuture<String> answer = call("queued", null);

        deadlines.pass();
        pool.runAll();

        assertThat(refusalOf(answer).code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(runs).as("the client was told it was not answered: it must not happen later").hasValue(0);
    }

    @Test
    void aHandlerStillBlockedAtItsDeadlineIsInterruptedSoItsThreadIsFreed() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        handlers.register("blocks", message -> {
            entered.countDown();
            try {
                new CountDownLatch(1).await(); // blocks until interrupted
                interrupted.complete(false);
            } catch (InterruptedException e) {
                interrupted.complete(true);
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture("too late");
        });
        CompletableFuture<String> answer = call("blocks", null);
        Thread handlerThread = new Thread(pool.queued.poll(), "switchboard-handler-test");
        handlerThread.start();
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        deadlines.pass();

        assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();
        handlerThread.join(10_000);
        assertThat(handlerThread.isAlive()).isFalse();
        assertThat(refusalOf(answer).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    }

    @Test
    void aHandlersRefusalIsAnsweredWithItsOwnCodeAndMessage() {
        handlers.register("throws", message -> {
            throw new MessageRefused("forbidden", "only admins may do this");
        });
        handlers.register("fails", message -> CompletableFuture.failedFuture(new MessageRefused("not_found", "no such order")));

        CompletableFuture<String> thrown = call("throws", null);
        CompletableFuture<String> failed = call("fails", null);
        pool.runAll();

        assertThat(refusalOf(thrown).code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refusalOf(thrown).getMessage()).isEqualTo("only admins may do this");
        assertThat(refusalOf(failed).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusalOf(failed).getMessage()).isEqualTo("no such order");
        assertThat(log.lines).as("a refusal is the application's answer, not a failure").isEmpty();
        assertThat(deadlines.allCancelled()).isTrue();
    }

    @Test
    void everyOtherFailureIsInternalWithoutItsDetailWhichGoesToTheLog() {
        String secret = "SELECT card_number FROM payments";
        handlers.register("throws", message -> {
            throw new IllegalStateException(secret);
        });
        handlers.register("fails", message -> CompletableFuture.supplyAsync(() -> {
            throw new IllegalStateException(secret);
        }, Runnable::run));
        handlers.register("null-stage", message -> null);
        handlers.register("error", message -> {
            throw new AssertionError(secret);
        });

        List<CompletableFuture<String>> answers = List.of(call("throws", null), call("fails", null),
                call("null-stage", null), call("error", null));
        pool.runAll();

        for (CompletableFuture<String> answer : answers) {
            Refusal refusal = refusalOf(answer);
            assertThat(refusal.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(refusal.getMessage()).isEqualTo("the handler failed").doesNotContain("SELECT");
        }
        assertThat(log.lines).hasSize(1); // one line per kind per minute: the others are counted
        assertThat(log.lines.get(0)).contains("throws").contains(secret);
        assertThat(deadlines.allCancelled()).isTrue();
    }

    @Test
    void aReplyThatCannotBeWrittenOrIsOverMaxDataIsInternal() {
        handlers.register("unwritable", message -> CompletableFuture.completedFuture(new Object()));
        handlers.register("huge", message -> CompletableFuture.completedFuture("x".repeat(MAX_DATA)));

        CompletableFuture<String> unwritable = call("unwritable", null);
        CompletableFuture<String> huge = call("huge", null);
        pool.runAll();

        assertThat(refusalOf(unwritable).code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(refusalOf(unwritable).getMessage()).isEqualTo("the handler failed");
        assertThat(refusalOf(huge).code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(refusalOf(huge).getMessage()).isEqualTo("the handler's reply is over " + MAX_DATA + " bytes");
        assertThat(log.lines).anyMatch(line -> line.contains("could not be written as JSON"));
    }

    @Test
    void theHandlerOfTheCallIsTheOneRegisteredWhenItWasPrepared() {
        handlers.register("e", message -> CompletableFuture.completedFuture("old"));
        ClientMessage message = message("e", null);
        MessageHandlers.Prepared prepared = handlers.prepare("e", message.data());
        handlers.register("e", message2 -> CompletableFuture.completedFuture("new"));

        CompletableFuture<String> answer = handlers.call(prepared, message).toCompletableFuture();
        pool.runAll();

        assertThat(answer.join()).isEqualTo("\"old\"");
    }

}
