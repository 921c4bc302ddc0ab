package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;

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
 * Turns concurrent publishes into fewer Redis round trips: while one script call is in flight,
 * publishes queue up, and the next call carries all of them. No timer and no added latency: a
 * lone publish goes out at once; under load, batches grow by themselves.
 *
 * <p>Each caller's events stay together in one script call, so a caller's publish is still all
 * or nothing. A failed call fails every caller in it (none of their events was published).
 *
 * <p>Bounded: while Redis is slow or away, at most {@code maxWaiting} publishes wait for the
 * call in flight; more fail at once (nothing of theirs published).
 *
 * <p>Threading: {@link #publish} may be called from any thread; at most one call is in flight,
 * started by whichever thread finds none in flight (a publisher, or the completion of the previous call).
 */
final class PublishCoalescer {
    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** Publishes in {@code queue}: counted apart, a concurrent queue's size is a walk of it. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final int maxEvents;
    private final int maxWaiting;
    private final Function<List<Bus.Outgoing>, CompletionStage<List<Offset>>> script;

    private record Pending(List<Bus.Outgoing> events, CompletableFuture<List<Offset>> result) {
    }

    /**
     * @param maxEvents  most events in one script call (a single larger publish still goes alone)
     * @param maxWaiting most publishes waiting for the next call; more fail at once
     * @param script     runs one atomic publish of the given events
     */
    PublishCoalescer(int maxEvents, int maxWaiting,
                     Function<List<Bus.Outgoing>, CompletionStage<List<Offset>>> script) {
        this.maxEvents = maxEvents;
        this.maxWaiting = maxWaiting;
        this.script = script;
    }

    CompletionStage<List<Offset>> publish(List<Bus.Outgoing> events) {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return CompletableFuture.failedFuture(new BusUnavailableException(
                    "too many publishes waiting for Redis; nothing published", null));
        }
        Pending pending = new Pending(events, new CompletableFuture<>());
        queue.add(pending);
        send();
        return pending.result();
    }

    private void send() {
        while (inFlight.compareAndSet(false, true)) {
            List<Pending> batch = new ArrayList<>();
            List<Bus.Outgoing> events = new ArrayList<>();
            Pending next;
            while ((next = queue.peek()) != null
                    && (batch.isEmpty() || events.size() + next.events().size() <= maxEvents)) {
                queue.poll();
                waiting.decrementAndGet();
                batch.add(next);
                events.addAll(next.events());
            }
            if (batch.isEmpty()) {
                inFlight.set(false);
                if (queue.isEmpty()) {
                    return;
                }
                continue; // a publish arrived between the poll and the reset
            }
            CompletionStage<List<Offset>> call;
            try {
                call = script.apply(events);
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            call.whenComplete((offsets, error) -> {
                int from = 0;
                for (Pending pending : batch) {
                    int to = from + pending.events().size();
                    if (error != null) {
                        pending.result().completeExceptionally(error);
                    } else {
                        pending.result().complete(List.copyOf(offsets.subList(from, to)));
                    }
                    from = to;
                }
                inFlight.set(false);
                send();
            });
            return;
        }
    }
}
