package io.switchboard.internal.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Deadlines on the node's own timer thread, not the JDK's shared delay thread
 * ({@code CompletableFuture.orTimeout}), so that undeploy leaves no thread behind.
 */
public final class Timeouts {
    private final ScheduledExecutorService timer;

    public Timeouts(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** A copy of {@code stage} that fails with a {@link TimeoutException} after {@code millis}. */
    public <T> CompletableFuture<T> within(CompletionStage<T> stage, long millis) {
        CompletableFuture<T> copy = stage.toCompletableFuture().copy();
        if (!copy.isDone()) {
            try {
                ScheduledFuture<?> timeout = timer.schedule(
                        () -> copy.completeExceptionally(new TimeoutException("no answer within " + millis + " ms")),
                        millis, TimeUnit.MILLISECONDS);
                copy.whenComplete((result, error) -> timeout.cancel(false));
            } catch (RejectedExecutionException stopped) {
                copy.completeExceptionally(stopped);
            }
        }
        return copy;
    }
}
