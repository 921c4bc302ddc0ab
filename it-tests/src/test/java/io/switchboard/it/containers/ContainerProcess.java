package io.switchboard.it.containers;


import io.switchboard.testkit.Await;
import io.switchboard.testkit.process.LogFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An application server started by its own script ({@code catalina.sh run}, {@code standalone.sh}) with
 * the environment a user would set, standard output and error going to a {@link LogFile}.
 *
 * <p>A script may run the JVM as its child instead of replacing itself with it, so stopping means
 * stopping the whole process tree: SIGTERM to the script (which relays it, or is the JVM itself), then
 * waiting for every process of the tree, then SIGKILL for whatever is left. Every process of a tree seen
 * while it ran is killed by a shutdown hook if the test JVM exits first, so an aborted run leaves no
 * server behind.
 */
final class ContainerProcess implements AutoCloseable {

    /** Variables of the developer's or CI's environment that would change how the servers start. */
    private static final List<String> SCRUBBED = List.of("JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
            "JRE_HOME", "CATALINA_OPTS", "CATALINA_PID", "CATALINA_TMPDIR", "CATALINA_OUT", "JPDA_OPTS", "JSSE_OPTS",
            "JBOSS_HOME", "JBOSS_BASE_DIR", "JBOSS_LOG_DIR", "JBOSS_CONFIG_DIR", "JBOSS_MODULEPATH", "JBOSS_PIDFILE",
            "LAUNCH_JBOSS_IN_BACKGROUND");

    /** Servers started here that have not been stopped yet. */
    private static final Set<ContainerProcess> RUNNING = ConcurrentHashMap.newKeySet();
    /** Processes of those servers' trees seen so far: they may have outlived their script. */
    private static final Set<ProcessHandle> SEEN = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            RUNNING.forEach(ContainerProcess::remember);
            SEEN.forEach(ProcessHandle::destroyForcibly);
        }, "container-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final LogFile log;

    private ContainerProcess(String name, Process process, LogFile log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with the inherited environment less any {@code SWITCHBOARD_*} variable and the
     * JVM option variables of the scripts, plus {@code environment}.
     */
    static ContainerProcess start(String name, List<String> command, Map<String, String> environment, LogFile log) {
        return start(name, command, null, environment, log);
    }

    /** Like {@link #start(String, List, Map, LogFile)}, in the working directory {@code directory} (null: this one's). */
    static ContainerProcess start(String name, List<String> command, Path directory, Map<String, String> environment,
                                  LogFile log) {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory == null ? null : directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.path().toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(key -> key.startsWith("SWITCHBOARD_") || SCRUBBED.contains(key));
        env.putAll(environment);
        try {
            ContainerProcess started = new ContainerProcess(name, builder.start(), log);
            RUNNING.add(started);
            started.process.onExit().thenRun(() -> RUNNING.remove(started));
            started.remember();
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /**
     * Waits until {@code probe} gives a value {@code done} accepts, failing at once if the process exited, and
     * naming the log's tail whatever the failure. Notes the tree's processes while waiting.
     */
    <T> T awaitUp(String what, Duration timeout, Supplier<T> probe, Predicate<? super T> done) {
        try {
            return Await.until(what, timeout, () -> {
                remember();
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + " before " + what);
                }
                return probe.get();
            }, done);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nlog " + log + ":\n" + log.tail(60), e);
        }
    }

    /** Notes the processes of the tree as it is now, for the shutdown hook (they may outlive the script). */
    private void remember() {
        tree().forEach(handle -> {
            if (SEEN.add(handle)) {
                handle.onExit().thenRun(() -> SEEN.remove(handle));
            }
        });
    }

    /**
     * SIGTERM, then waits up to {@code timeout} for every process of the tree to exit, then SIGKILL for those
     * left. Returns true if it all ended with the SIGTERM. Idempotent.
     */
    boolean stop(Duration timeout) {
        remember();
        List<ProcessHandle> tree = tree().collect(Collectors.toList());
        process.destroy();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean graceful = true;
        for (ProcessHandle handle : tree) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                graceful = false;
            } catch (Exception e) {
                graceful = false;
            }
        }
        if (!graceful) {
            tree.forEach(ProcessHandle::destroyForcibly);
            tree.forEach(handle -> handle.onExit().join());
        }
        return graceful;
    }

    /** Stops the tree, allowing 30 s for a graceful stop. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    private Stream<ProcessHandle> tree() {
        ProcessHandle root = process.toHandle();
        return Stream.concat(Stream.of(root), root.descendants()).filter(ProcessHandle::isAlive);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
