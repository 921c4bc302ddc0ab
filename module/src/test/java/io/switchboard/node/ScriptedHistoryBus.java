package io.switchboard.node;

import io.switchboard.bus.Bus;
import io.switchboard.bus.BusListener;
import io.switchboard.bus.History;
import io.switchboard.bus.Topic;
import io.switchboard.protocol.Offset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A bus that only answers history reads, with the answers a test scripted (the last one repeats);
 * a null answer is a failed read, as while Redis is down.
 */
final class ScriptedHistoryBus implements Bus {
    private final List<History> answers;
    volatile int reads;
    final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();

    ScriptedHistoryBus(History answer) {
        this(List.of(answer));
    }

    ScriptedHistoryBus(List<History> answers) {
        this.answers = new ArrayList<>(answers);
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        History answer = answers.size() > 1 ? answers.remove(0) : answers.get(0);
        reads++;
        return answer == null
                ? CompletableFuture.failedFuture(new io.switchboard.bus.BusUnavailableException("Redis is down", null))
                : CompletableFuture.completedFuture(answer);
    }

    @Override
    public void start(BusListener listener) {
    }

    @Override
    public String kind() {
        return "scripted";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> ping() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean receiving() {
        return true;
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> present(Topic channel, String nodeId, Set<String> users, Duration ttl) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Set<String>> members(Topic channel) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
