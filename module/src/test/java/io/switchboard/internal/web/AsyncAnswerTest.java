package io.switchboard.internal.web;

import io.switchboard.internal.protocol.Json;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An API answer never waits on the socket on the bus thread that completed the work: a small one
 * goes into the response's buffer there (the container sends it on complete), a larger one is
 * written on a container thread.
 */
class AsyncAnswerTest {
    private final ExecutorService container = Executors.newSingleThreadExecutor(r -> new Thread(r, "container-exec"));
    private final ExecutorService busThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "bus-thread"));
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final AtomicReference<String> writer = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger contentLength = new AtomicInteger(-1);
    private final CountDownLatch completed = new CountDownLatch(1);
    private volatile int bufferSize = 8192;

    @AfterEach
    void stop() {
        container.shutdownNow();
        busThread.shutdownNow();
    }

    @Test
    void aSmallAnswerGoesIntoTheResponseBufferOnTheBusThreadAndTheContainerSendsItOnComplete() throws Exception {
        CompletableFuture<String> work = new CompletableFuture<>();
        AsyncAnswer.when(work, asyncContext(), 202, offset -> Json.MAPPER.createObjectNode().put("offset", offset), "down");

        busThread.submit(() -> work.complete("e-1")).get(5, TimeUnit.SECONDS);

        assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.get()).isEqualTo("bus-thread");
        assertThat(contentLength.get()).isEqualTo(-1); // a declared length reached could flush at once, on this thread
        assertThat(status.get()).isEqualTo(202);
        assertThat(body.toString(StandardCharsets.UTF_8)).isEqualTo("{\"offset\":\"e-1\"}");
    }

    @Test
    void anAnswerLargerThanTheBufferIsWrittenOnAContainerThread() throws Exception {
        bufferSize = 8;
        CompletableFuture<String> work = new CompletableFuture<>();
        AsyncAnswer.when(work, asyncContext(), 200, offset -> Json.MAPPER.createObjectNode().put("offset", offset), "down");

        busThread.submit(() -> work.complete("e-1")).get(5, TimeUnit.SECONDS);

        assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(writer.get()).isEqualTo("container-exec");
        assertThat(contentLength.get()).isEqualTo(16);
        assertThat(body.toString(StandardCharsets.UTF_8)).isEqualTo("{\"offset\":\"e-1\"}");
    }

    @Test
    void failedWorkIsA503() throws Exception {
        CompletableFuture<String> work = new CompletableFuture<>();
        AsyncAnswer.when(work, asyncContext(), 200, offset -> Json.MAPPER.createObjectNode(), "the bus is unavailable");

        busThread.submit(() -> work.completeExceptionally(new IllegalStateException("Redis is down"))).get(5, TimeUnit.SECONDS);

        assertThat(completed.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(status.get()).isEqualTo(503);
        assertThat(body.toString(StandardCharsets.UTF_8)).contains("\"error\":\"unavailable\"").doesNotContain("Redis is down");
    }

    /** An async context whose {@code start} runs on the "container" thread, over a recording response. */
    private AsyncContext asyncContext() {
        HttpServletResponse response = (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "setStatus" -> {
                        status.set((Integer) args[0]);
                        yield null;
                    }
                    case "setContentLength" -> {
                        contentLength.set((Integer) args[0]);
                        yield null;
                    }
                    case "getBufferSize" -> bufferSize;
                    case "isCommitted" -> false;
                    case "getOutputStream" -> new ServletOutputStream() {
                        @Override
                        public boolean isReady() {
                            return true;
                        }

                        @Override
                        public void setWriteListener(WriteListener listener) {
                        }

                        @Override
                        public void write(int b) {
                            writer.set(Thread.currentThread().getName());
                            body.write(b);
                        }

                        @Override
                        public void write(byte[] bytes, int offset, int length) {
                            writer.set(Thread.currentThread().getName());
                            body.write(bytes, offset, length);
                        }
                    };
                    default -> null;
                });
        return (AsyncContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{AsyncContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "start" -> {
                        container.execute((Runnable) args[0]);
                        yield null;
                    }
                    case "getResponse" -> response;
                    case "complete" -> {
                        completed.countDown();
                        yield null;
                    }
                    default -> null;
                });
    }
}
