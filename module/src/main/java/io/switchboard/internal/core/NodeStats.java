package io.switchboard.internal.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** This node's counters since start. Thread-safe; written on hot paths, so adders, not locks. */
public final class NodeStats {
    private final LongAdder published = new LongAdder();
    private final java.util.Map<Publisher.Door, LongAdder> publishedByDoor = new java.util.EnumMap<>(Publisher.Door.class);
    private final LongAdder publishFailures = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder replaysRefused = new LongAdder();
    private final AtomicLong lostOnBus = new AtomicLong();
    private final long startedAt = System.currentTimeMillis();

    {
        for (Publisher.Door door : Publisher.Door.values()) {
            publishedByDoor.put(door, new LongAdder());
        }
    }

    public void published(Publisher.Door door, int events) {
        published.add(events);
        publishedByDoor.get(door).add(events);
    }

    public void publishFailed() {
        publishFailures.increment();
    }

    public void delivered(int frames) {
        delivered.add(frames);
    }

    public void connectionOpened() {
        connectionsOpened.increment();
    }

    public void slowConsumerClosed() {
        slowConsumersClosed.increment();
    }

    public void protocolError() {
        protocolErrors.increment();
    }

    public void replayRefused() {
        replaysRefused.increment();
    }

    public void lostOnBus(long events) {
        lostOnBus.addAndGet(events);
    }

    public Map<String, Object> snapshot() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("startedAt", startedAt);
        figures.put("published", published.sum());
        Map<String, Long> byDoor = new LinkedHashMap<>();
        publishedByDoor.forEach((door, count) -> byDoor.put(door.name().toLowerCase(java.util.Locale.ROOT), count.sum()));
        figures.put("publishedByDoor", byDoor);
        figures.put("publishFailures", publishFailures.sum());
        figures.put("delivered", delivered.sum());
        figures.put("connectionsOpened", connectionsOpened.sum());
        figures.put("slowConsumersClosed", slowConsumersClosed.sum());
        figures.put("protocolErrors", protocolErrors.sum());
        figures.put("replaysRefused", replaysRefused.sum());
        figures.put("lostOnBus", lostOnBus.get());
        return figures;
    }
}
