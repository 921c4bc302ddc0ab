package io.switchboard.internal.bus;

import io.switchboard.internal.logging.LogLimiter;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The executor Redisson hands pub/sub messages to: it runs each on the thread that read it from
 * the socket (Redisson's network thread), in the order read. Redisson's own pool would wake one of
 * its threads for every message, and what a message leads to on our side is short and never waits:
 * the topic's dispatcher takes it (or queues it for the thread already dispatching the topic), and
 * the connections' sends are asynchronous. Code reached from here must stay so: no blocking call,
 * no synchronous Redisson call.
 *
 * <p>Redisson does not shut down an executor it was given; {@link #shutdown} only makes later
 * tasks rejected, which is what Redisson checks before it hands one over.
 *
 * <p>Threading: any thread; a task runs on the caller's.
 */
final class InlineExecutor extends AbstractExecutorService {
    private static final LogLimiter failures =
            new LogLimiter(LoggerFactory.getLogger(InlineExecutor.class), java.time.Duration.ofMinutes(1));
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        try {
            task.run();
        } catch (RuntimeException e) {
            // A barrier: thrown into Redisson's decoder, it would fail the command waiting on this
            // connection (a subscribe, say) and reach Netty. Our listeners catch their own failures;
            // this keeps one that does not from taking the connection's other work with it.
            failures.warn("listener", "A pub/sub listener failed: {}", e.toString());
        }
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }
}
