package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.bus.PresenceWrite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * This node's side of {@code presence-*} channels: which users hold at least one subscription
 * here, written to the bus as this node's share of each channel ({@link Bus#writePresence}, which
 * decides joins and leaves cluster-wide and publishes them); and the snapshots subscribers read.
 *
 * <p><b>Writes.</b> Only node-level changes are written: a user's first session here, and their
 * last. Per channel at most one write is in flight; changes made meanwhile go out together in the
 * next one, so writes of one channel reach the bus in the order of the states they describe. A
 * write is a delta against the share last applied; the first write of a channel, and every write
 * after a failure or a refused delta, sends the whole share instead, so whatever went wrong the
 * bus ends with this node's true share. {@link #refresh} (every {@link #REFRESH_INTERVAL}) renews
 * the {@link #LEASE} of every share (an empty delta) and retries what failed; a node that stops
 * renewing, crashed or cut off, has its users leave once the lease runs out and another node's
 * write or a read sweeps it: at most {@code LEASE + REFRESH_INTERVAL} after its last renewal.
 *
 * <p><b>Threading.</b> State is guarded by {@code this}; bus calls are made after the decision,
 * outside the lock, on the caller's thread, and completions run on bus threads.
 */
final class PresenceTracker {
    private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);
    /** How long a share counts without renewal: three renewals may fail (a GC pause, a Redis hiccup) before its users leave. */
    static final Duration LEASE = Duration.ofSeconds(15);
    static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);
    /** First wait before a failed snapshot read is tried again; doubled up to {@link #MAX_READ_RETRY}. */
    private static final long FIRST_READ_RETRY_MILLIS = 500;
    private static final long MAX_READ_RETRY = 30_000;

    /** One channel's share on this node and the state of its writes. */
    private static final class Share {
        final Map<String, Integer> sessions = new HashMap<>(); // user -> sessions here
        Set<String> written = Set.of();  // the share the bus holds, as of the last applied write
        boolean full = true;             // the next write sends the whole share
        boolean due;                     // a write is wanted: a change, a lease to renew, a failure to repair
        boolean writing;                 // a write is in flight
        List<CompletableFuture<Void>> nextWrite = new ArrayList<>(); // settled when the next write to start ends
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();  // settled when the write in flight ends
    }

    private final Bus bus;
    private final String nodeId;
    private final ScheduledExecutorService timer;
    private final Map<String, Share> shares = new HashMap<>();

    /** @param timer runs the retries of snapshot reads (the node's timer) */
    PresenceTracker(Bus bus, String nodeId, ScheduledExecutorService timer) {
        this.bus = bus;
        this.nodeId = nodeId;
        this.timer = timer;
    }

    /**
     * A session of {@code user} joined {@code channel} on this node. The stage completes once the
     * bus holds the user for this node (or the write failed; the next refresh repairs it), so a
     * snapshot read after it shows the user.
     */
    CompletableFuture<Void> join(String channel, String user) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        synchronized (this) {
            Share share = shares.computeIfAbsent(channel, c -> new Share());
            if (share.sessions.merge(user, 1, Integer::sum) == 1) {
                share.due = true;
                share.nextWrite.add(written);
            } else if (share.due) {
                share.nextWrite.add(written);
            } else if (share.writing) {
                share.inFlight.add(written); // the write in flight carries the user's first session
            } else {
                return CompletableFuture.completedFuture(null);
            }
        }
        pump(channel);
        return written;
    }

    /** A session of {@code user} left {@code channel} on this node. Unknown users and channels are ignored. */
    void leave(String channel, String user) {
        synchronized (this) {
            Share share = shares.get(channel);
            Integer count = share == null ? null : share.sessions.get(user);
            if (count == null) {
                return;
            }
            if (count > 1) {
                share.sessions.put(user, count - 1);
                return;
            }
            share.sessions.remove(user);
            share.due = true;
        }
        pump(channel);
    }

    /** Renews every share's lease and retries failed writes; the node's timer calls it every {@link #REFRESH_INTERVAL}. */
    void refresh() {
        List<String> channels;
        synchronized (this) {
            shares.values().forEach(share -> share.due = true);
            channels = List.copyOf(shares.keySet());
        }
        channels.forEach(this::pump);
    }

    /**
     * Withdraws every share (the node stops: its users leave now rather than when the lease runs
     * out) and waits up to {@code timeout} for the writes.
     */
    void withdrawAll(Duration timeout) {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        List<String> channels;
        synchronized (this) {
            for (Share share : shares.values()) {
                share.sessions.clear();
                share.due = true;
                CompletableFuture<Void> written = new CompletableFuture<>();
                share.nextWrite.add(written);
                writes.add(written);
            }
            channels = List.copyOf(shares.keySet());
        }
        channels.forEach(this::pump);
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            log.debug("Not every presence share was withdrawn in time; the others expire with their lease: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The members of {@code channel} with the offset they stand at, read again after a failure
     * (waiting longer each time) for as long as {@code wanted} says the reader still wants them.
     * Fails only once it is no longer wanted or the node stops.
     */
    CompletableFuture<PresenceSnapshot> snapshot(String channel, BooleanSupplier wanted) {
        CompletableFuture<PresenceSnapshot> result = new CompletableFuture<>();
        read(channel, wanted, result, FIRST_READ_RETRY_MILLIS);
        return result;
    }

    private void read(String channel, BooleanSupplier wanted, CompletableFuture<PresenceSnapshot> result, long retryMillis) {
        CompletionStage<PresenceSnapshot> read;
        try {
            read = bus.presence(channel);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        read.whenComplete((snapshot, error) -> {
            if (error == null) {
                result.complete(snapshot);
                return;
            }
            if (!wanted.getAsBoolean()) {
                result.completeExceptionally(error);
                return;
            }
            log.debug("Could not read the members of {}; again in {} ms: {}", channel, retryMillis, error.toString());
            try {
                timer.schedule(() -> read(channel, wanted, result, Math.min(MAX_READ_RETRY, retryMillis * 2)),
                        retryMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                result.completeExceptionally(error);
            }
        });
    }

    /** Starts the channel's next write if one is due and none is in flight. */
    private void pump(String channel) {
        PresenceWrite write;
        Set<String> target;
        synchronized (this) {
            Share share = shares.get(channel);
            if (share == null || share.writing || !share.due) {
                return;
            }
            target = Set.copyOf(share.sessions.keySet());
            write = share.full
                    ? PresenceWrite.full(channel, nodeId, target, LEASE)
                    : PresenceWrite.delta(channel, nodeId, minus(target, share.written), minus(share.written, target), LEASE);
            share.writing = true;
            share.due = false;
            share.inFlight = share.nextWrite;
            share.nextWrite = new ArrayList<>();
        }
        CompletionStage<Boolean> call;
        try {
            call = bus.writePresence(write);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((applied, error) -> written(channel, target, applied, error));
    }

    private void written(String channel, Set<String> target, Boolean applied, Throwable error) {
        List<CompletableFuture<Void>> settle;
        boolean again;
        synchronized (this) {
            Share share = shares.get(channel);
            share.writing = false;
            settle = share.inFlight;
            share.inFlight = new ArrayList<>();
            if (error != null) {
                // Unknown whether it was applied: the next refresh sends the whole share. An empty
                // share is let go instead: whatever the bus may hold of it expires with its lease,
                // as a crashed node's would, and this node keeps nothing for channels it left.
                log.debug("Could not write presence of {}: {}", channel, error.toString());
                share.full = true;
                share.due = true;
                again = false;
                if (share.sessions.isEmpty() && share.nextWrite.isEmpty()) {
                    shares.remove(channel);
                }
            } else if (!applied) {
                // The bus holds no share of this node (it expired, or Redis lost it): send it whole, now.
                share.full = true;
                share.due = true;
                again = true;
            } else {
                share.written = target;
                share.full = false;
                again = share.due;
                if (!again && share.sessions.isEmpty() && share.nextWrite.isEmpty()) {
                    shares.remove(channel); // withdrawn: nothing left to renew
                }
            }
        }
        settle.forEach(written -> written.complete(null));
        if (again) {
            pump(channel);
        }
    }

    private static Set<String> minus(Set<String> all, Set<String> without) {
        Set<String> rest = new HashSet<>(all);
        rest.removeAll(without);
        return rest;
    }
}
