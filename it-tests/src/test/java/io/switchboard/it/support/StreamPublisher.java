package io.switchboard.it.support;

import io.switchboard.testkit.Await;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes a stream of numbered events ({@code {"n": 0}, {"n": 1}, ...}) on one channel through the HTTP
 * API, from a few threads, each taking the nodes in turn, until stopped. {@code n} is the event's unique id:
 * every event is published with an {@code Idempotency-Key} of its own, and a publish that is not answered
 * {@code 202} (503 while Redis is down, a refused connection to a dead node, no answer at all) is sent again,
 * to the next node and with the same key, until it is. So no event is dropped from what the subscribers are
 * owed, and a retry after a lost answer does not publish it twice. An event is <em>acknowledged</em> once a
 * publish of it was answered {@code 202} with an offset.
 *
 * <p>Threading: each publishing thread owns the event it is publishing; the maps are concurrent.
 */
public final class StreamPublisher implements AutoCloseable {

    /** One acknowledged event: its offset, when its first publish was sent and when it was answered 202. */
    public record Acknowledged(long n, String offset, long firstAttemptNanos, long acknowledgedNanos, int attempts) {
    }

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);
    /** Between two attempts of one event: long enough not to hammer a node that refuses, short enough to catch up fast. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private final String channel;
    private final List<ServerNode> nodes;
    private final Duration pause;
    private final String keyPrefix;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final Map<Long, Acknowledged> acknowledged = new ConcurrentHashMap<>();
    private final Map<Long, Long> pending = new ConcurrentHashMap<>(); // n -> nanoTime of its first attempt
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile boolean abandoned;

    private StreamPublisher(String channel, List<ServerNode> nodes, Duration pause) {
        this.channel = channel;
        this.nodes = List.copyOf(nodes);
        this.pause = pause;
        this.keyPrefix = "it-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    }

    /**
     * Starts {@code threads} publishing threads; each waits {@code pause} after each of its events.
     * Thread {@code t} starts with node {@code t} and then takes the next node for every attempt.
     */
    public static StreamPublisher start(String channel, List<ServerNode> nodes, int threads, Duration pause) {
        StreamPublisher publisher = new StreamPublisher(channel, nodes, pause);
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread thread = new Thread(() -> publisher.run(first), "publisher-" + channel + "-" + t);
            thread.setDaemon(true);
            publisher.threads.add(thread);
        }
        publisher.threads.forEach(Thread::start);
        return publisher;
    }

    private void run(int first) {
        int turn = first;
        while (!stopping) {
            long n = next.getAndIncrement();
            long firstAttempt = System.nanoTime();
            pending.put(n, firstAttempt);
            int tries = 0;
            // Once started, an event is retried until acknowledged, even after stop(): it may have been
            // published already (an answer lost with the connection), so the subscribers may be owed it.
            while (!abandoned) {
                ServerNode node = nodes.get(turn++ % nodes.size());
                tries++;
                attempts.incrementAndGet();
                try {
                    ApiResponse response = node.api().publish(channel, "tick", Map.of("n", n, "via", node.id()),
                            keyPrefix + "-" + n);
                    if (response.status() == 202) {
                        acknowledged.put(n, new Acknowledged(n, response.json().path("offset").asText(), firstAttempt,
                                System.nanoTime(), tries));
                        pending.remove(n);
                        break;
                    }
                    refused("HTTP " + response.status());
                } catch (UncheckedIOException e) {
                    refused("no answer (" + node.id() + " " + e.getCause().getClass().getSimpleName() + ")");
                } catch (AssertionError interrupted) {
                    if (abandoned) {
                        return;
                    }
                    throw interrupted;
                }
                if (!sleep(RETRY_PAUSE)) {
                    return;
                }
            }
            if (!pause.isZero() && !sleep(pause)) {
                return;
            }
        }
    }

    private static boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void refused(String why) {
        refusals.computeIfAbsent(why, ignored -> new AtomicLong()).incrementAndGet();
    }

    /** Waits until at least {@code count} more events were acknowledged than when called. */
    public void awaitMoreAcknowledged(int count, Duration timeout) {
        int target = acknowledged.size() + count;
        Await.until(target + " acknowledged publishes on " + channel + " (refusals so far: " + refusals + ")", timeout,
                () -> acknowledged.size() >= target);
    }

    /**
     * Starts no new event, waits until every thread's last event was acknowledged (retried as long as it takes,
     * up to a deadline) and fails naming the events still not acknowledged then.
     */
    public void stop() {
        stopping = true;
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (threads.stream().anyMatch(Thread::isAlive)) {
            throw new AssertionError("events still not acknowledged " + STOP_TIMEOUT.toSeconds() + " s after stop on "
                    + channel + ": n=" + pending.keySet() + "; refusals " + refusals);
        }
    }

    /** Events started so far (each counted once, however often it was retried). */
    public long published() {
        return next.get();
    }

    /** Publish requests sent so far, retries included. */
    public long attempts() {
        return attempts.get();
    }

    /** Acknowledged events so far: {@code n} to offset. */
    public NavigableMap<Long, String> acknowledged() {
        NavigableMap<Long, String> offsets = new TreeMap<>();
        acknowledged.forEach((n, event) -> offsets.put(n, event.offset()));
        return offsets;
    }

    /** Acknowledged events so far, by {@code n}. */
    public NavigableMap<Long, Acknowledged> acknowledgedEvents() {
        return new TreeMap<>(acknowledged);
    }

    /** Publishes not acknowledged (each retried), by what they were answered. */
    public Map<String, Long> refusals() {
        Map<String, Long> copy = new TreeMap<>();
        refusals.forEach((why, count) -> copy.put(why, count.get()));
        return copy;
    }

    /** Gives up on every event, acknowledged or not, at once. */
    @Override
    public void close() {
        stopping = true;
        abandoned = true;
        threads.forEach(Thread::interrupt);
    }
}
