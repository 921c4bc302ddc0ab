package io.switchboard.internal.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Waits for the threads an application started to really end. An executor or an event loop
 * reports itself terminated as soon as its threads leave their run loops, a moment before the
 * threads are dead; a container that checks for leaked threads right after undeploy (Tomcat
 * does) would still find them alive.
 */
public final class OwnedThreads {

    private OwnedThreads() {
    }

    /**
     * Joins every live thread whose name starts with {@code prefix} and whose context class loader
     * is {@code owner} (how containers tell an application's threads), for at most {@code timeout} in all.
     */
    public static void awaitEnd(String prefix, ClassLoader owner, Duration timeout) {
        List<Thread> owned = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread != Thread.currentThread() && thread.getName().startsWith(prefix)
                        && thread.getContextClassLoader() == owner)
                .toList();
        joinAll(owned, timeout);
    }

    /**
     * Joins each of {@code threads} in turn, for at most {@code timeout} in all. An interrupt ends the
     * waiting at once; the interrupt flag is set again, so that the caller still sees it.
     */
    static void joinAll(Iterable<Thread> threads, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return; // join(0) would wait forever
            }
            try {
                thread.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
