package io.switchboard.internal.messages;

/**
 * Runs a task once a delay has passed, on a thread of the node's (its timer), so that a deadline
 * leaves no thread behind at undeploy. An interface rather than the timer itself so that tests
 * decide when a deadline passes instead of waiting for it.
 */
@FunctionalInterface
public interface Deadlines {

    /**
     * Schedules {@code task} to run after {@code millis}.
     *
     * @return an action that cancels the task if it has not run yet (idempotent)
     * @throws java.util.concurrent.RejectedExecutionException if the node is stopping
     */
    Runnable after(long millis, Runnable task);
}
