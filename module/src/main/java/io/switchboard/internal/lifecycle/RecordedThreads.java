package io.switchboard.internal.lifecycle;

import io.netty.util.concurrent.FastThreadLocalThread;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread factory that remembers what it made, so that its owner can wait for exactly its own
 * threads to end. {@link OwnedThreads} tells threads by name and class loader, which cannot tell
 * two instances apart: one that closes while another in the same application keeps running would
 * wait for the other's threads until its timeout.
 *
 * <p>Threads are {@link FastThreadLocalThread}s, as Netty's own factory makes them (Netty code
 * runs faster on them). Thread-safe.
 */
public final class RecordedThreads implements ThreadFactory {
    private final String prefix;
    private final boolean daemon;
    private final AtomicInteger count = new AtomicInteger();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    /**
     * @param prefix threads are named {@code <prefix>-1}, {@code <prefix>-2}, ...
     * @param daemon whether they are daemon threads (which do not keep the JVM alive)
     */
    public RecordedThreads(String prefix, boolean daemon) {
        this.prefix = prefix;
        this.daemon = daemon;
    }

    @Override
    public Thread newThread(Runnable runnable) {
        Thread thread = new FastThreadLocalThread(runnable, prefix + "-" + count.incrementAndGet());
        thread.setDaemon(daemon);
        threads.add(thread);
        return thread;
    }

    /** Joins every thread made so far, for at most {@code timeout} in all; true if all ended. */
    public boolean awaitEnd(Duration timeout) {
        OwnedThreads.joinAll(threads, timeout);
        return threads.stream().noneMatch(Thread::isAlive);
    }
}
