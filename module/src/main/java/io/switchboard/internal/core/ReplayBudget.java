package io.switchboard.internal.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's bytes of replay in flight, over all connections: a page of history is read from the
 * bus only once its bytes are granted here, and they are given back once the page has left the
 * session's queue (or the replay ended). Many clients replaying large histories at once, or never
 * reading what they asked for, so hold at most {@code capacity} bytes of replay, not one history
 * each.
 *
 * <p>A request that does not fit waits, first come first served, at most {@code maxWait} ms and
 * behind at most {@code maxWaiting} others; beyond that it fails at once with
 * {@link Exhausted} and the client is answered {@code unavailable} (it retries with backoff).
 *
 * <p><b>Threading.</b> Any thread; {@code available} and {@code waiting} are guarded by
 * {@code this}. Grants are completed outside the lock.
 */
public final class ReplayBudget {
    private final long capacity;
    private final int maxWaiting;
    private final long maxWaitMillis;
    private final ScheduledExecutorService timer;
    private long available; // guarded by this
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>(); // guarded by this

    public ReplayBudget(long capacity, int maxWaiting, long maxWaitMillis, ScheduledExecutorService timer) {
        this.capacity = capacity;
        this.available = capacity;
        this.maxWaiting = maxWaiting;
        this.maxWaitMillis = maxWaitMillis;
        this.timer = timer;
    }

    /** The most one request may ask for: a page never needs more than the whole budget. */
    public long capacity() {
        return capacity;
    }

    /**
     * Completes with {@code bytes} (at most {@link #capacity}) reserved, to be given back with
     * {@link #release}; or exceptionally with {@link Exhausted} if they are not free in time.
     */
    public CompletableFuture<Long> acquire(long bytes) {
        long wanted = Math.min(bytes, capacity);
        Waiter waiter = new Waiter(wanted, new CompletableFuture<>());
        synchronized (this) {
            waiting.removeIf(queued -> queued.grant().isDone()); // timed out
            if (waiting.isEmpty() && available >= wanted) {
                available -= wanted;
                return CompletableFuture.completedFuture(wanted);
            }
            if (waiting.size() >= maxWaiting) {
                return CompletableFuture.failedFuture(new Exhausted());
            }
            waiting.add(waiter);
        }
        try {
            timer.schedule(() -> {
                if (waiter.grant().completeExceptionally(new Exhausted())) {
                    release(0); // those behind it may fit now
                }
            }, maxWaitMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            waiter.grant().completeExceptionally(new Exhausted());
        }
        return waiter.grant();
    }

    /** Gives back bytes an {@link #acquire} granted, and grants waiting requests they let fit. */
    public void release(long bytes) {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            available = Math.min(capacity, available + Math.max(0, bytes));
            Waiter head;
            while ((head = waiting.peek()) != null) {
                if (head.grant().isDone()) {
                    waiting.poll(); // timed out while waiting
                } else if (head.bytes() <= available) {
                    waiting.poll();
                    available -= head.bytes();
                    granted.add(head);
                } else {
                    break;
                }
            }
        }
        for (Waiter waiter : granted) {
            if (!waiter.grant().complete(waiter.bytes())) {
                release(waiter.bytes()); // its wait ended just now: the bytes go to the next
            }
        }
    }

    public synchronized long available() {
        return available;
    }

    synchronized int waiting() {
        return (int) waiting.stream().filter(waiter -> !waiter.grant().isDone()).count();
    }

    private record Waiter(long bytes, CompletableFuture<Long> grant) {
    }

    /** The node's replay budget stayed spent for longer than a replay may wait. */
    public static final class Exhausted extends RuntimeException {
        Exhausted() {
            super("the node is replaying as much history as it may hold; try again shortly", null, false, false);
        }
    }
}
