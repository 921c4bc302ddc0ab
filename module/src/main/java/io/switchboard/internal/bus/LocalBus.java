package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.PresenceChange;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The bus of a single node, with no Redis: same contract as {@link RedisBus}, kept in memory.
 *
 * <p>Threading: topic state is guarded by {@code lock}; messages are handed to the listener by
 * one delivery thread, in publish order, so a publisher never runs subscriber code on its own
 * thread (as with Redis, where delivery comes from the network).
 */
public final class LocalBus implements Bus {
    private final int historySize;
    private final long historyBytes;
    private final long historyTtlNanos;
    private final LongSupplier nanoClock;
    private final Object lock = new Object();
    private final Map<Topic, TopicLog> logs = new HashMap<>(); // guarded by lock
    private final Map<String, Remembered> published = new java.util.LinkedHashMap<>(); // by idempotency key, oldest first; guarded by lock
    private final Set<Topic> subscribed = ConcurrentHashMap.newKeySet();
    private final Map<String, PresenceLedger> presence = new HashMap<>(); // by presence channel; guarded by lock
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "switchboard-local-bus");
        thread.setDaemon(true);
        return thread;
    });
    private volatile BusListener listener = message -> { };
    private volatile String figures = "{}";
    private volatile String inboxNode;
    private volatile Consumer<String> inbox = message -> { };
    private volatile String nodeId = "";
    /** Topics live as long as this bus: nothing of theirs expires but their events. */
    private final long started = System.currentTimeMillis() - 1;

    /** History bounded by length and by age, as {@link RedisBus} bounds it. */
    public LocalBus(int historySize, Duration historyTtl) {
        this(historySize, Long.MAX_VALUE / 4, historyTtl);
    }

    /** History bounded by length, bytes and age, as {@link RedisBus} bounds it. */
    public LocalBus(int historySize, long historyBytes, Duration historyTtl) {
        this(historySize, historyBytes, historyTtl, System::nanoTime);
    }

    /** @param nanoClock what ages events and idempotency keys ({@link System#nanoTime} but in tests) */
    LocalBus(int historySize, long historyBytes, Duration historyTtl, LongSupplier nanoClock) {
        this.historySize = historySize;
        this.historyBytes = historyBytes;
        this.historyTtlNanos = historyTtl.toNanos();
        this.nanoClock = nanoClock;
    }

    @Override
    public void start(BusListener listener) {
        this.listener = listener;
    }

    @Override
    public String kind() {
        return "in-process";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        synchronized (lock) {
            return CompletableFuture.completedFuture(append(events));
        }
    }

    /** Sequences, retains and hands {@code events} to the delivery thread. Call under the lock. */
    private List<Offset> append(List<Outgoing> events) {
        List<Offset> offsets = new ArrayList<>(events.size());
        for (Outgoing event : events) {
            BusMessage message = logs.computeIfAbsent(event.topic(), t -> new TopicLog()).append(event);
            offsets.add(message.offset());
            // Submitted under the lock so that delivery order is publish order.
            delivery.execute(() -> {
                if (subscribed.contains(message.topic())) {
                    listener.onMessage(message);
                }
            });
        }
        return offsets;
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        synchronized (lock) {
            long now = nanoClock.getAsLong();
            var oldest = published.values().iterator();
            while (oldest.hasNext() && now - oldest.next().publishedNanos() > historyTtlNanos) {
                oldest.remove();
            }
            Remembered first = published.get(idempotencyKey);
            if (first != null) {
                return CompletableFuture.completedFuture(first.offsets());
            }
            List<Offset> offsets = append(events);
            published.put(idempotencyKey, new Remembered(List.copyOf(offsets), now));
            return CompletableFuture.completedFuture(offsets);
        }
    }

    private record Remembered(List<Offset> offsets, long publishedNanos) {
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        subscribed.add(topic);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        subscribed.remove(topic);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        synchronized (lock) {
            TopicLog log = logs.get(topic);
            if (log == null) {
                // No events: this process has held the topic's state for as long as it ran, so a
                // marker stays valid unless it outlived the history's age bound.
                return CompletableFuture.completedFuture(History.of(since, null, System.currentTimeMillis(),
                        started, Long.MAX_VALUE, 1, List.of()));
            }
            return CompletableFuture.completedFuture(log.after(since, limit, maxBytes));
        }
    }

    @Override
    public CompletionStage<Void> ping() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean receiving() {
        return true;
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        this.nodeId = nodeId;
        this.figures = figuresJson;
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        return CompletableFuture.completedFuture(nodeId.isEmpty() ? Map.of() : Map.of(nodeId, figures));
    }

    /** Decided by the channel's {@link PresenceLedger}; its changes are appended to the presence topic under the same lock. */
    @Override
    public CompletionStage<Boolean> writePresence(PresenceWrite write) {
        synchronized (lock) {
            PresenceLedger ledger = presence.computeIfAbsent(write.channel(), c -> new PresenceLedger());
            PresenceLedger.Outcome outcome = ledger.apply(write, System.currentTimeMillis());
            announce(write.channel(), outcome.changes());
            if (ledger.isEmpty()) {
                presence.remove(write.channel()); // a channel nobody holds keeps nothing but its topic's history
            }
            return CompletableFuture.completedFuture(outcome.applied());
        }
    }

    @Override
    public CompletionStage<PresenceSnapshot> presence(String channel) {
        synchronized (lock) {
            long now = System.currentTimeMillis();
            PresenceLedger ledger = presence.get(channel);
            List<String> members = List.of();
            if (ledger != null) {
                announce(channel, ledger.sweep(null, now));
                members = ledger.members();
                if (ledger.isEmpty()) {
                    presence.remove(channel);
                }
            }
            TopicLog log = logs.get(Topic.presence(channel));
            return CompletableFuture.completedFuture(new PresenceSnapshot(
                    log == null ? Offset.marker(now) : log.current(), members));
        }
    }

    /** Publishes presence changes as events of the channel's presence topic. Call under the lock. */
    private void announce(String channel, List<PresenceChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        List<Outgoing> events = new ArrayList<>(changes.size());
        for (PresenceChange change : changes) {
            events.add(new Outgoing(Topic.presence(channel), change.envelope()));
        }
        append(events);
    }

    @Override
    public void openInbox(String nodeId, Consumer<String> inbox) {
        this.inboxNode = nodeId;
        this.inbox = inbox;
    }

    /** The only node is this one: a message to another node reaches no one, as pub/sub would not. */
    @Override
    public CompletionStage<Void> sendToNode(String nodeId, String message) {
        if (nodeId.equals(inboxNode)) {
            return sendToAll(message);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> sendToAll(String message) {
        try {
            delivery.execute(() -> inbox.accept(message)); // on the bus's thread, as from Redis
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new BusUnavailableException("the bus is closed", closed));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        delivery.shutdownNow();
        try {
            delivery.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One topic's sequence and retained events. Guarded by the bus lock. */
    private final class TopicLog {
        private final long born = System.currentTimeMillis();
        private final String epoch = Offset.epochAt(born, Epochs.suffix());
        private final ArrayDeque<Retained> retained = new ArrayDeque<>();
        private long seq;
        private long bytes; // of the retained envelopes

        Offset current() {
            return new Offset(epoch, seq);
        }

        BusMessage append(Outgoing event) {
            BusMessage message = new BusMessage(event.topic(), new Offset(epoch, ++seq), event.envelope());
            if (historySize > 0) {
                retained.addLast(new Retained(message, nanoClock.getAsLong()));
                bytes += event.envelope().length();
                while (retained.size() > 1 && (retained.size() > historySize || bytes > historyBytes)) {
                    dropFirst();
                }
                dropExpired();
            }
            return message;
        }

        private void dropFirst() {
            bytes -= retained.removeFirst().message().envelope().length();
        }

        /** Oldest first: what has outlived the history's age limit. */
        private void dropExpired() {
            long now = nanoClock.getAsLong();
            while (!retained.isEmpty() && now - retained.peekFirst().publishedNanos() > historyTtlNanos) {
                dropFirst();
            }
        }

        History after(Optional<Offset> since, int limit, long maxBytes) {
            dropExpired();
            Lineage lineage = new Lineage(epoch, seq, List.of(), born);
            long firstRetained = retained.isEmpty() ? seq + 1 : retained.peekFirst().message().offset().seq();
            long after = since.map(offset -> lineage.place(offset, Long.MAX_VALUE).after()).orElse(-1L);
            List<BusMessage> events = new ArrayList<>();
            long pageBytes = 0;
            for (Retained entry : retained) {
                if (events.size() >= limit || !events.isEmpty() && pageBytes >= maxBytes) {
                    break; // a page: bounded by count and by bytes (as history.lua measures them)
                }
                if (after >= 0 && entry.message().offset().seq() > after) {
                    events.add(entry.message());
                    pageBytes += entry.message().wire().getBytes(StandardCharsets.UTF_8).length;
                }
            }
            return History.of(since, lineage, System.currentTimeMillis(), started, Long.MAX_VALUE, firstRetained, events);
        }
    }

    private record Retained(BusMessage message, long publishedNanos) {
    }
}
