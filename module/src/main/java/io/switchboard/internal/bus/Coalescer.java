package io.switchboard.internal.bus;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Turns concurrent requests into fewer Redis round trips: while one script call is in flight,
 * requests queue up, and the next call carries all of them. No timer and no added latency: a
 * lone request goes out at once; under load, batches grow by themselves. Publishes go through one
 * ({@link RedisEventLog#publish(List)}), and so do the reads of where a topic stands
 * ({@link RedisEventLog#position}).
 *
 * <p>Each caller's items stay together in one script call, so a caller's publish is still all
 * or nothing. A failed call fails every caller in it (none of their items was applied).
 *
 * <p>Bounded: while Redis is slow or away, at most {@code maxWaiting} requests wait for the
 * call in flight; more fail at once (nothing of theirs applied).
 *
 * <p>Threading: {@link #submit} may be called from any thread; at most one call is in flight,
 * started by whichever thread finds none in flight (a caller, or the completion of the previous call).
 *
 * @param <T> what a caller hands in (an event to publish, a topic to read)
 * @param <R> what the script answers for each of them, in the same order
 */
final class Coalescer<T, R> {
    private final Queue<Pending<T, R>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** Requests in {@code queue}: counted apart, a concurrent queue's size is a walk of it. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final int maxItems;
    private final int maxWaiting;
    private final String refusal;
    private final Function<List<T>, CompletionStage<List<R>>> script;

    private record Pending<T, R>(List<T> items, CompletableFuture<List<R>> result) {
    }

    /**
     * @param maxItems   most items in one script call (a single larger request still goes alone)
     * @param maxWaiting most requests waiting for the next call; more fail at once
     * @param refusal    the message of the failure of a request over {@code maxWaiting}
     * @param script     runs one script call for the given items, answering one result per item
     */
    Coalescer(int maxItems, int maxWaiting, String refusal, Function<List<T>, CompletionStage<List<R>>> script) {
        this.maxItems = maxItems;
        this.maxWaiting = maxWaiting;
        this.refusal = refusal;
        this.script = script;
    }

    CompletionStage<List<R>> submit(List<T> items) {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new BusUnavailableException(refusal, null));
        }
        Pending<T, R> pending = new Pending<>(items, new CompletableFuture<>());
        queue.add(pending);
        send();
        return pending.result();
    }

    private void send() {
        while (inFlight.compareAndSet(false, true)) {
            List<Pending<T, R>> batch = new ArrayList<>();
            List<T> items = new ArrayList<>();
            Pending<T, R> next;
            while ((next = queue.peek()) != null
                    && (batch.isEmpty() || items.size() + next.items().size() <= maxItems)) {
                queue.poll();
                waiting.decrementAndGet();
                batch.add(next);
                items.addAll(next.items());
            }
            if (batch.isEmpty()) {
                inFlight.set(false);
                if (queue.isEmpty()) {
                    return;
                }
                continue; // a request arrived between the poll and the reset
            }
            CompletionStage<List<R>> call;
            try {
                call = script.apply(items);
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            int expected = items.size();
            call.whenComplete((results, error) -> {
                try {
                    Throwable failure = error != null ? error
                            : results == null || results.size() != expected
                            ? new IllegalStateException("the script answered " + (results == null ? "nothing" : results.size()
                                    + " results") + " for " + expected + " items")
                            : null;
                    int from = 0;
                    for (Pending<T, R> pending : batch) {
                        int to = from + pending.items().size();
                        if (failure != null) {
                            pending.result().completeExceptionally(failure);
                        } else {
                            pending.result().complete(List.copyOf(results.subList(from, to)));
                        }
                        from = to;
                    }
                } finally {
                    // also after a caller's callback threw: a coalescer left in flight would never call again
                    inFlight.set(false);
                    send();
                }
            });
            return;
        }
    }
}
