package io.switchboard.testkit.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A process started by the tests, its output going to a {@link LogFile}. Every child still alive when
 * the test JVM exits is killed by a shutdown hook, so a failed or aborted run leaves nothing behind.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Set<ChildProcess> ALIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> ALIVE.forEach(ChildProcess::kill), "child-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final LogFile log;

    private ChildProcess(String name, Process process, LogFile log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}, standard output and error both going to {@code log} (truncated first). */
    public static ChildProcess start(String name, List<String> command, LogFile log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.path().toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        try {
            ChildProcess child = new ChildProcess(name, builder.start(), log);
            ALIVE.add(child);
            child.process.onExit().thenRun(() -> ALIVE.remove(child));
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    public String name() {
        return name;
    }

    public LogFile log() {
        return log;
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; the process must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** SIGTERM, then waits up to {@code timeout} for the exit; returns the exit code. Fails if it did not end. */
    public int stop(Duration timeout) {
        process.destroy();
        if (!waitFor(timeout)) {
            throw new AssertionError(name + " did not exit within " + timeout.toSeconds() + " s of SIGTERM; log "
                    + log + ":\n" + log.tail(40));
        }
        return process.exitValue();
    }

    /** SIGKILL, and waits for the exit. */
    public void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    /** Waits up to {@code timeout} for the process to end by itself; true if it did. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Graceful stop with a short grace period, killing it if it does not go. Idempotent. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitFor(Duration.ofSeconds(15))) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
