package io.switchboard.internal.bus;

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
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        task.run();
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
