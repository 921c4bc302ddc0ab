package io.switchboard.internal.testing;

import io.switchboard.internal.bus.History;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A bus that only answers history reads, with the answers a test scripted (the last one repeats);
 * a null answer is a failed read, as while Redis is down.
 */
public final class ScriptedHistoryBus extends HistoryOnlyBus {
    private final List<History> answers;
    public volatile int reads;
    public final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();

    public ScriptedHistoryBus(History answer) {
        this(List.of(answer));
    }

    public ScriptedHistoryBus(List<History> answers) {
        this.answers = new ArrayList<>(answers);
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        History answer = answers.size() > 1 ? answers.remove(0) : answers.get(0);
        reads++;
        return answer == null
                ? CompletableFuture.failedFuture(new io.switchboard.internal.bus.BusUnavailableException("Redis is down", null))
                : CompletableFuture.completedFuture(answer);
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
