package io.switchboard.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes. Tests wait for things to happen this way,
 * never by sleeping a fixed time and then looking.
 *
 * <p>The pause between two looks is a tenth of the time waited so far, at least {@value #SHORTEST_PAUSE_MILLIS}
 * ms and at most {@value #LONGEST_PAUSE_MILLIS} ms: a condition that holds within milliseconds (unit tests) is
 * seen within about a millisecond, none is seen much more than a tenth later than it began to hold, and one
 * that takes seconds is not probed thousands of times (probes may be HTTP calls, Redis commands or a count
 * over thousands of sockets under load).
 *
 * <p>A probe that throws a {@link RuntimeException} counts as "not yet"; the last one is the cause of
 * the failure if the deadline passes. Errors (a failed assertion in the probe) end the wait at once.
 */
public final class Await {

    /** How long {@link #until(String, BooleanSupplier)} waits: ample for a loaded build machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private static final long SHORTEST_PAUSE_MILLIS = 1;
    private static final long LONGEST_PAUSE_MILLIS = 50;

    private Await() {
    }

    /** Waits until {@code condition} is true; fails with {@code what} after {@link #DEFAULT_TIMEOUT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_TIMEOUT, condition);
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
        Outcome<T> outcome = poll(timeout, probe, done);
        if (outcome.met()) {
            return outcome.last();
        }
        AssertionError error = new AssertionError(
                "timed out after " + timeout.toMillis() + " ms waiting for " + what + "; last value: " + outcome.last());
        if (outcome.lastFailure() != null) {
            error.initCause(outcome.lastFailure());
        }
        throw error;
    }

    /**
     * Waits up to {@code timeout} for {@code condition} without failing: true if it held in time. For a
     * test that looks for a while and then asserts on what it saw (e.g. that nothing is left behind).
     */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        return poll(timeout, condition::getAsBoolean, Boolean::booleanValue).met();
    }

    private record Outcome<T>(boolean met, T last, RuntimeException lastFailure) {
    }

    private static <T> Outcome<T> poll(Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (true) {
            T last = null;
            RuntimeException lastFailure = null;
            try {
                last = probe.get();
                if (done.test(last)) {
                    return new Outcome<>(true, last, null);
                }
            } catch (RuntimeException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                return new Outcome<>(false, last, lastFailure);
            }
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            sleep(Math.max(SHORTEST_PAUSE_MILLIS, Math.min(waitedMillis / 10, LONGEST_PAUSE_MILLIS)));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
