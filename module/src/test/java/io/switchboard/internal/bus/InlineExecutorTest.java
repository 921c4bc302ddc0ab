package io.switchboard.internal.bus;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InlineExecutorTest {

    @Test
    void runsEachTaskOnTheCallersThreadInOrder() {
        InlineExecutor executor = new InlineExecutor();
        List<String> ran = new ArrayList<>();
        Thread caller = Thread.currentThread();

        executor.execute(() -> ran.add("first on " + (Thread.currentThread() == caller)));
        executor.execute(() -> ran.add("second on " + (Thread.currentThread() == caller)));

        assertThat(ran).containsExactly("first on true", "second on true");
    }

    @Test
    void aFailingListenerDoesNotThrowIntoTheNetworkThreadThatReadItsMessage() {
        InlineExecutor executor = new InlineExecutor();
        List<String> ran = new ArrayList<>();

        executor.execute(() -> {
            throw new IllegalStateException("a listener's bug");
        });
        executor.execute(() -> ran.add("next message"));

        assertThat(ran).containsExactly("next message");
    }

    @Test
    void rejectsTasksOnceShutDown() {
        InlineExecutor executor = new InlineExecutor();
        executor.shutdown();

        assertThatThrownBy(() -> executor.execute(() -> { })).isInstanceOf(RejectedExecutionException.class);
        assertThat(executor.isShutdown()).isTrue();
    }
}
