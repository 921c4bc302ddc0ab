package io.switchboard.internal.core;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node-wide budget of replay bytes: grants, waits in a bounded queue, refuses. */
class ReplayBudgetTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    @Test
    void grantsUpToItsCapacityAndARequestBeyondWaitsForARelease() throws Exception {
        ReplayBudget budget = new ReplayBudget(1_000, 10, 60_000, timer);
        assertThat(budget.acquire(600).get()).isEqualTo(600);
        assertThat(budget.acquire(5_000).isDone()).isFalse(); // asks for more than there is: waits for all of it
        CompletableFuture<Long> third = budget.acquire(100);
        assertThat(third.isDone()).isFalse(); // first come, first served: behind the waiting one
        budget.release(600);
        assertThat(budget.available()).isZero(); // the whole 1,000 (capped) went to the first waiter
        assertThat(third.isDone()).isFalse();
        budget.release(1_000);
        assertThat(third.get()).isEqualTo(100);
        assertThat(budget.available()).isEqualTo(900);
    }

    @Test
    void aRequestThatCannotBeGrantedInTimeFailsAsExhaustedAndLeavesNothingBehind() throws Exception {
        ReplayBudget budget = new ReplayBudget(1_000, 10, 50, timer);
        budget.acquire(1_000).get();
        CompletableFuture<Long> waiting = budget.acquire(10);
        assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ReplayBudget.Exhausted.class);
        budget.release(1_000);
        assertThat(budget.available()).isEqualTo(1_000);
        assertThat(budget.waiting()).isZero();
    }

    @Test
    void whenTheWaitingQueueIsFullARequestFailsAtOnce() {
        ReplayBudget budget = new ReplayBudget(1_000, 2, 60_000, timer);
        budget.acquire(1_000);
        budget.acquire(1);
        budget.acquire(1);
        CompletableFuture<Long> refused = budget.acquire(1);
        assertThat(refused).isCompletedExceptionally();
        assertThat(budget.waiting()).isEqualTo(2);
    }
}
