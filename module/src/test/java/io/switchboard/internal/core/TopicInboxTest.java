package io.switchboard.internal.core;

import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who runs a topic's work: the thread that brings it while the topic is small and idle, else the
 * large topics' pool; and how many bus messages may wait for it.
 */
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
            () -> ran.add("flush"), () -> ran.add("repair"));

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

    @Test
    void messagesBeyondTheBoundAreRefusedAndOneRepairFollowsWhatWaits() {
        large.set(true); // the pool does not run until the test says: messages pile up
        for (int i = 0; i < TopicInbox.MAX_MESSAGES; i++) {
            int n = i;
            assertThat(inbox.offer(() -> ran.add("m" + n), 10)).isTrue();
        }
        for (int i = 0; i < 100; i++) {
            assertThat(inbox.offer(() -> ran.add("refused"), 10)).isFalse();
        }
        assertThat(inbox.queuedMessages()).isEqualTo(TopicInbox.MAX_MESSAGES);
        inbox.run(() -> ran.add("own work")); // the topic's own work is never refused

        pool.remove(0).run();

        assertThat(ran).hasSize(TopicInbox.MAX_MESSAGES + 3).doesNotContain("refused");
        assertThat(ran.subList(0, 3)).containsExactly("m0", "m1", "m2");
        assertThat(ran.subList(TopicInbox.MAX_MESSAGES - 1, ran.size()))
                .containsExactly("m" + (TopicInbox.MAX_MESSAGES - 1), "repair", "own work", "flush");
        assertThat(inbox.queuedMessages()).isZero();
        assertThat(inbox.offer(() -> ran.add("after"), 10)).as("room again once drained").isTrue();
        assertThat(pool).hasSize(1);
    }

    @Test
    void theBoundHoldsInCharactersToo() {
        large.set(true);
        int quarter = (int) (TopicInbox.MAX_BYTES / 4);
        for (int i = 0; i < 4; i++) {
            assertThat(inbox.offer(() -> ran.add("big"), quarter)).isTrue();
        }
        assertThat(inbox.offer(() -> ran.add("refused"), 1)).isFalse();
        pool.remove(0).run();
        assertThat(ran).containsExactly("big", "big", "big", "big", "repair", "flush");

        ran.clear();
        assertThat(inbox.offer(() -> ran.add("huge"), (int) TopicInbox.MAX_BYTES + 1))
                .as("one message is always taken, whatever its size").isTrue();
        pool.remove(0).run();
        assertThat(ran).containsExactly("huge", "flush");
    }

    @Test
    void aRepairWaitsOnceWhateverTheRefusalsAndAgainAfterItRan() {
        large.set(true);
        int all = (int) TopicInbox.MAX_BYTES;
        assertThat(inbox.offer(() -> ran.add("m"), all)).isTrue();
        assertThat(inbox.offer(() -> ran.add("refused"), 1)).isFalse();
        assertThat(inbox.offer(() -> ran.add("refused"), 1)).isFalse();
        pool.remove(0).run();
        assertThat(ran).containsExactly("m", "repair", "flush");

        ran.clear();
        assertThat(inbox.offer(() -> ran.add("m"), all)).isTrue();
        assertThat(inbox.offer(() -> ran.add("refused"), 1)).isFalse();
        pool.remove(0).run();
        assertThat(ran).containsExactly("m", "repair", "flush");
    }
}
