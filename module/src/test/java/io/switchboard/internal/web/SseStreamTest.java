package io.switchboard.internal.web;

import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.session.ClientSession;
import io.switchboard.testkit.Await;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SSE stream's non-blocking writer against a scripted servlet output: what it writes, in which order,
 * when it waits for the container, and that no wake-up is lost when the container calls back on its own
 * thread while a send is writing.
 */
class SseStreamTest {

    /** A non-blocking servlet output whose readiness the test decides; records what was written and flushed. */
    private static final class ScriptedOutput extends ServletOutputStream {
        final ByteArrayOutputStream flushed = new ByteArrayOutputStream();
        final ByteArrayOutputStream buffered = new ByteArrayOutputStream();
        final AtomicBoolean ready = new AtomicBoolean(true);
        final AtomicInteger notReadyAnswers = new AtomicInteger();
        /** Set when isReady() said no: a container then owes exactly one onWritePossible. */
        final AtomicBoolean wakeUpOwed = new AtomicBoolean();
        /**
         * Run on another thread, to its end, inside isReady() just before it answers no: a container thread
         * whose onWritePossible arrives while the caller still owns the stream (null: none).
         */
        volatile Runnable beforeAnsweringNo;
        /** Every this many writes and flushes fill the socket (0: never). */
        volatile int fillEvery;
        private int operations;
        volatile IOException failWith;

        @Override
        public boolean isReady() {
            Runnable racing = beforeAnsweringNo;
            synchronized (this) {
                if (ready.get()) {
                    return true;
                }
                notReadyAnswers.incrementAndGet();
                wakeUpOwed.set(racing == null);
            }
            if (racing != null) {
                Thread container = new Thread(racing, "scripted-container");
                container.start();
                try {
                    container.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return false;
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            for (int i = 0; i < length; i++) {
                write(bytes[offset + i]);
            }
            filling();
        }

        private void filling() {
            if (fillEvery > 0 && ++operations % fillEvery == 0) {
                ready.set(false);
            }
        }

        @Override
        public void setWriteListener(WriteListener listener) {
        }

        @Override
        public synchronized void write(int b) throws IOException {
            if (failWith != null) {
                throw failWith;
            }
            buffered.write(b);
        }

        @Override
        public synchronized void flush() throws IOException {
            if (failWith != null) {
                throw failWith;
            }
            flushed.write(buffered.toByteArray());
            buffered.reset();
            filling();
        }

        synchronized String text() {
            return flushed.toString(StandardCharsets.UTF_8);
        }
    }

    /** An async context whose complete() reports completion to the stream, as a container does. */
    private static final class ScriptedAsync {
        final AtomicInteger completions = new AtomicInteger();
        SseStream stream;

        AsyncContext context() {
            return (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{AsyncContext.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("complete")) {
                            completions.incrementAndGet();
                            stream.completed();
                        }
                        return null;
                    });
        }
    }

    private final ScriptedOutput out = new ScriptedOutput();
    private final ScriptedAsync async = new ScriptedAsync();
    private final SseStream stream = new SseStream("n.s", "secret", async.context(), out);
    private final List<Throwable> completions = new ArrayList<>();

    SseStreamTest() {
        async.stream = stream;
    }

    private void send(String frame) {
        send(OutboundFrame.of(frame));
    }

    private void send(OutboundFrame... frames) {
        stream.send(List.of(frames), error -> {
            synchronized (completions) {
                completions.add(error == null ? new Done() : error);
            }
        });
    }

    private int done() {
        synchronized (completions) {
            return (int) completions.stream().filter(Done.class::isInstance).count();
        }
    }

    /** A successful completion, in the list of completions. */
    private static final class Done extends Throwable {
    }

    @Test
    void nothingIsWrittenBeforeStartThenEachFrameIsOneSseMessageFlushedBeforeItCompletes() {
        send("{\"op\":\"welcome\"}");
        assertThat(out.text()).isEmpty();
        assertThat(done()).isZero();

        stream.start();
        send("{\"op\":\"pong\"}");

        assertThat(out.text()).isEqualTo("data: {\"op\":\"welcome\"}\n\ndata: {\"op\":\"pong\"}\n\n");
        assertThat(done()).isEqualTo(2);
    }

    @Test
    void aBatchIsOneSseMessagePerFrameInOneWriteAndOneCompletion() {
        stream.start();
        send(OutboundFrame.of("{\"op\":\"a\"}"), stream.keepAlive(), OutboundFrame.of("{\"op\":\"é\"}"));

        assertThat(out.text()).isEqualTo("data: {\"op\":\"a\"}\n\n: keep-alive\n\ndata: {\"op\":\"é\"}\n\n");
        assertThat(done()).isEqualTo(1);
    }

    @Test
    void aKeepAliveIsACommentLine() {
        stream.start();
        send(stream.keepAlive());

        assertThat(out.text()).isEqualTo(": keep-alive\n\n");
    }

    @Test
    void aFullSocketHoldsTheFrameUntilTheContainerSaysWritingIsPossibleAgain() {
        stream.start();
        out.ready.set(false);
        send("{\"op\":\"event\",\"n\":1}");
        assertThat(out.text()).isEmpty();
        assertThat(done()).isZero();

        out.ready.set(true);
        stream.onWritePossible();

        assertThat(out.text()).isEqualTo("data: {\"op\":\"event\",\"n\":1}\n\n");
        assertThat(done()).isEqualTo(1);
    }

    @Test
    void closeWritesTheCloseFrameAfterTheFrameInFlightThenEndsTheResponseOnce() throws Exception {
        stream.start();
        out.ready.set(false);
        send("{\"op\":\"event\",\"n\":1}");
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            var closing = closer.submit(() -> stream.close(1001, "server shutting down"));
            Await.until("the close requested", () -> !stream.isOpen());
            out.ready.set(true);
            stream.onWritePossible();
            closing.get(5, TimeUnit.SECONDS);
        } finally {
            closer.shutdownNow();
        }

        assertThat(out.text()).isEqualTo("data: {\"op\":\"event\",\"n\":1}\n\n"
                + "data: {\"op\":\"close\",\"code\":1001,\"reason\":\"server shutting down\"}\n\n");
        assertThat(done()).isEqualTo(1);
        assertThat(async.completions.get()).isEqualTo(1);
        assertThat(stream.ended().toCompletableFuture().isDone()).isTrue();
        stream.close(1013, "again");
        assertThat(async.completions.get()).isEqualTo(1);
    }

    @Test
    void aFailedWriteEndsTheResponseAndFailsTheFrameAndLaterSends() {
        stream.start();
        out.failWith = new IOException("Broken pipe");
        send("{\"op\":\"event\"}");

        assertThat(async.completions.get()).isEqualTo(1);
        send("{\"op\":\"event\"}");
        synchronized (completions) {
            assertThat(completions).hasSize(2).allSatisfy(error -> assertThat(error).isInstanceOf(IOException.class));
        }
        assertThat(stream.isOpen()).isFalse();
    }

    @Test
    void aWakeUpThatArrivesWhileTheSenderStillOwnsTheStreamIsNotLost() {
        stream.start();
        out.ready.set(false);
        out.beforeAnsweringNo = () -> {
            out.beforeAnsweringNo = null; // once
            out.ready.set(true);
            stream.onWritePossible(); // the container's one call for this "no"
        };

        send("{\"op\":\"event\",\"n\":1}");

        assertThat(out.text()).isEqualTo("data: {\"op\":\"event\",\"n\":1}\n\n");
        assertThat(done()).isEqualTo(1);
    }

    @Test
    void wakeUpsFromTheContainerThreadWhileASendIsWritingAreNotLost() throws Exception {
        // A session's queue on this transport: 2 000 frames sent from one thread while the socket fills up
        // every few writes and a container thread, as a real one, calls onWritePossible exactly once after
        // each time isReady() said no, whatever the sending thread is doing at that moment.
        ClientSession session = new ClientSession(stream, 10_000, Long.MAX_VALUE, Runnable::run);
        stream.start();
        out.fillEvery = 3;
        AtomicBoolean running = new AtomicBoolean(true);
        Thread container = new Thread(() -> {
            while (running.get()) {
                if (out.wakeUpOwed.compareAndSet(true, false)) {
                    out.ready.set(true);
                    stream.onWritePossible();
                } else {
                    Thread.onSpinWait();
                }
            }
        }, "scripted-container");
        container.start();
        try {
            for (int i = 0; i < 2_000; i++) {
                session.send("{\"n\":" + i + "}");
            }
            Await.until("2 000 frames written", Duration.ofSeconds(20), () -> session.sentFrames() >= 2_000);
        } finally {
            running.set(false);
            container.join(5_000);
        }

        String[] messages = out.text().split("\n\n");
        assertThat(messages).hasSize(2_000);
        for (int i = 0; i < messages.length; i++) {
            assertThat(messages[i]).isEqualTo("data: {\"n\":" + i + "}");
        }
        assertThat(out.notReadyAnswers.get()).as("the socket was full at times").isPositive();
    }
}
