package io.switchboard.it.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes. Tests wait for things to happen this way,
 * never by sleeping a fixed time and then looking.
 */
public final class Await {

    private static final long POLL_MILLIS = 50;

    private Await() {
    }

    /** Waits until {@code condition} is true; fails with {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition::getAsBoolean, Boolean::booleanValue);
    }

    /**
     * Evaluates {@code probe} until its value satisfies {@code done} and returns that value; fails after
     * {@code timeout} naming {@code what} and the last value seen.
     */
    public static <T> T until(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        RuntimeException lastFailure = null;
        while (true) {
            try {
                last = probe.get();
                lastFailure = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                last = null;
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                AssertionError error = new AssertionError(
                        "timed out after " + timeout.toMillis() + " ms waiting for " + what + "; last value: " + last);
                if (lastFailure != null) {
                    error.initCause(lastFailure);
                }
                throw error;
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
