package io.switchboard.internal.session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The node's write delay ({@code switchboard.write-delay}): a session that had nothing in flight
 * writes this long after its first new frame, so frames that follow within that time go out in
 * the same batch. It costs every quiet connection up to the delay in latency, and saves a busy
 * one writes.
 *
 * <p>One per node, on the node's timer: the writes due are a FIFO (every one waits the same
 * delay, so arrival order is deadline order) served by at most one scheduled task at a time, not
 * a timer task per session per event. Each session has at most one write due (see
 * {@link SendQueue#flush}).
 *
 * <p><b>Threading.</b> {@link #later} from any thread; writes run on the timer thread, and a
 * write never blocks (sends are asynchronous).
 */
public final class WriteDelay {
    private static final Logger log = LoggerFactory.getLogger(WriteDelay.class);

    private record Due(long atNanos, Runnable write) {
    }

    private final ScheduledExecutorService timer;
    private final LongSupplier nanoTime;
    private final long delayNanos;
    private final Queue<Due> due = new ConcurrentLinkedQueue<>();
    /** A task is scheduled (or running) that will serve {@code due}. */
    private final AtomicBoolean armed = new AtomicBoolean();

    /** @param delayMillis at least 1 */
    public WriteDelay(ScheduledExecutorService timer, long delayMillis) {
        this(timer, delayMillis, System::nanoTime);
    }

    /** @param nanoTime the clock deadlines are read on ({@link System#nanoTime} but in tests) */
    WriteDelay(ScheduledExecutorService timer, long delayMillis, LongSupplier nanoTime) {
        if (delayMillis < 1) {
            throw new IllegalArgumentException("a write delay is at least 1 ms, was " + delayMillis);
        }
        this.timer = timer;
        this.nanoTime = nanoTime;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
    }

    /** Runs {@code write} once the delay has passed (at once if the timer no longer runs). */
    void later(Runnable write) {
        due.add(new Due(nanoTime.getAsLong() + delayNanos, write));
        if (armed.compareAndSet(false, true)) {
            schedule(delayNanos);
        }
    }

    private void schedule(long nanos) {
        try {
            timer.schedule(this::serve, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // The node stops: write now rather than never, also what is added meanwhile (the same
            // second look as in serve).
            do {
                try {
                    Due next;
                    while ((next = due.poll()) != null) {
                        run(next);
                    }
                } finally {
                    armed.set(false);
                }
            } while (!due.isEmpty() && armed.compareAndSet(false, true));
        }
    }

    private static void run(Due due) {
        try {
            due.write().run();
        } catch (RuntimeException e) {
            log.warn("A delayed write failed", e);
        }
    }

    /** Runs the writes that are due, then schedules itself for the next one, if any. */
    private void serve() {
        long now = nanoTime.getAsLong();
        Due next;
        try {
            while ((next = due.peek()) != null && next.atNanos() - now <= 0) {
                due.poll();
                run(next);
            }
        } finally {
            armed.set(false); // also after an Error: a stuck flag would stop every later delayed write
        }
        // A write added after the loop looked found armed still set: look again, so none waits forever.
        if ((next = due.peek()) != null && armed.compareAndSet(false, true)) {
            schedule(Math.max(0, next.atNanos() - nanoTime.getAsLong()));
        }
    }
}
