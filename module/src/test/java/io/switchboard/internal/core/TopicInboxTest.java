package io.switchboard.internal.core;

import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Who runs a topic's work: the thread that brings it while the topic is small and idle, else the large topics' pool. */
class TopicInboxTest {
    private final List<String> ran = new ArrayList<>();
    private final List<Runnable> pool = new ArrayList<>(); // drains handed to the pool, run when the test says
    private final AtomicBoolean large = new AtomicBoolean();
    private final AtomicBoolean full = new AtomicBoolean();
    private final Executor largeFanouts = task -> {
        if (full.get()) {
            throw new RejectedExecutionException("full");
        }
        pool.add(task);
    };
    private final TopicInbox inbox = new TopicInbox(Topic.channel("news"), large::get, largeFanouts,
            () -> ran.add("flush"));

    @Test
    void aSmallTopicsWorkRunsOnTheThreadThatBringsItAndFlushesAfter() {
        inbox.run(() -> ran.add(Thread.currentThread().getName()));
        assertThat(ran).containsExactly(Thread.currentThread().getName(), "flush");
        assertThat(pool).isEmpty();
    }

    @Test
    void aLargeTopicsWorkGoesToThePoolWithOneDrainWaitingAtATimeInOrder() {
        large.set(true);
        inbox.run(() -> ran.add("a"));
        inbox.run(() -> ran.add("b"));
        large.set(false); // subscribers left meanwhile: the drain already waiting still takes this one
        inbox.run(() -> ran.add("c"));
        assertThat(ran).isEmpty();
        assertThat(pool).hasSize(1);
        pool.get(0).run();
        assertThat(ran).containsExactly("a", "b", "c", "flush");
    }

    @Test
    void aDrainThePoolRefusesRunsOnTheCaller() {
        large.set(true);
        full.set(true);
        inbox.run(() -> ran.add("a"));
        assertThat(ran).containsExactly("a", "flush");
        full.set(false);
        inbox.run(() -> ran.add("b"));
        assertThat(pool).hasSize(1); // the refusal left no drain marked as waiting
    }
}
