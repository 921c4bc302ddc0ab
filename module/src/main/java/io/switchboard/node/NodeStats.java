package io.switchboard.node;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** This node's counters since start. Thread-safe; written on hot paths, so adders, not locks. */
final class NodeStats {
    private final LongAdder published = new LongAdder();
    private final LongAdder publishFailures = new LongAdder();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder connectionsOpened = new LongAdder();
    private final LongAdder slowConsumersClosed = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder replaysRefused = new LongAdder();
    private final AtomicLong lostOnBus = new AtomicLong();
    private final long startedAt = System.currentTimeMillis();

    void published(int events) {
        published.add(events);
    }

    void publishFailed() {
        publishFailures.increment();
    }

    void delivered(int frames) {
        delivered.add(frames);
    }

    void connectionOpened() {
        connectionsOpened.increment();
    }

    void slowConsumerClosed() {
        slowConsumersClosed.increment();
    }

    void protocolError() {
        protocolErrors.increment();
    }

    void replayRefused() {
        replaysRefused.increment();
    }

    void lostOnBus(long events) {
        lostOnBus.addAndGet(events);
    }

    Map<String, Object> snapshot() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("startedAt", startedAt);
        figures.put("published", published.sum());
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
