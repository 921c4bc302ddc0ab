package io.switchboard.it.support;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes a stream of numbered events ({@code {"n": 0}, {"n": 1}, ...}) on one channel through the HTTP
 * API, from a few threads, each taking the nodes in turn, until stopped. Keeps what each publish was
 * answered: a {@code 202} with an offset makes the event <em>acknowledged</em>; any other answer (503 while
 * Redis is down, a refused connection to a dead node) means it is not, and no subscriber is owed it.
 */
public final class StreamPublisher implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final String channel;
    private final List<ServerNode> nodes;
    private final Duration pause;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final Map<Long, String> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    private StreamPublisher(String channel, List<ServerNode> nodes, Duration pause) {
        this.channel = channel;
        this.nodes = List.copyOf(nodes);
        this.pause = pause;
    }

    /**
     * Starts {@code threads} publishing threads; each waits {@code pause} after each of its publishes.
     * Thread {@code t} starts with node {@code t} and then takes the next node for every event.
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
            ServerNode node = nodes.get(turn++ % nodes.size());
            long n = next.getAndIncrement();
            attempts.incrementAndGet();
            try {
                ApiResponse response = node.api().publish(channel, "tick", Map.of("n", n, "via", node.id()));
                if (response.status() == 202) {
                    acknowledged.put(n, response.json().path("offset").asText());
                } else {
                    refused("HTTP " + response.status());
                }
            } catch (UncheckedIOException e) {
                refused("no answer (" + node.id() + " " + e.getCause().getClass().getSimpleName() + ")");
            } catch (AssertionError interrupted) {
                if (stopping) {
                    return;
                }
                throw interrupted;
            }
            if (!pause.isZero()) {
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
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

    /** Stops every thread after its current publish and waits for them. */
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
        for (Thread thread : threads) {
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still publishing " + STOP_TIMEOUT.toSeconds() + " s after stop");
            }
        }
    }

    /** Publishes attempted so far. */
    public long published() {
        return attempts.get();
    }

    /** Acknowledged events so far: {@code n} to offset. */
    public NavigableMap<Long, String> acknowledged() {
        return new TreeMap<>(acknowledged);
    }

    /** Publishes not acknowledged, by what they were answered. */
    public Map<String, Long> refusals() {
        Map<String, Long> copy = new TreeMap<>();
        refusals.forEach((why, count) -> copy.put(why, count.get()));
        return copy;
    }

    @Override
    public void close() {
        stopping = true;
        threads.forEach(Thread::interrupt);
    }
}
