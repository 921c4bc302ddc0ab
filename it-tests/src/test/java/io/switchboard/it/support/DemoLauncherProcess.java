package io.switchboard.it.support;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code java -jar switchboard-demo.jar ...} as a process: the launcher that starts the worker JVMs
 * (and, without {@code --redis}, an embedded Redis) and prints {@code READY <url> <url> ...}.
 */
public final class DemoLauncherProcess implements AutoCloseable {

    private final ChildProcess process;
    private List<ProcessHandle> descendants = List.of();

    private DemoLauncherProcess(ChildProcess process) {
        this.process = process;
    }

    /** Starts the launcher with {@code args}; its output goes to {@code <logName>.log}. */
    public static DemoLauncherProcess start(String logName, String... args) {
        List<String> command = new ArrayList<>(List.of(Artifacts.java(), "-Xmx128m", "-jar", Artifacts.demoJar().toString()));
        command.addAll(Arrays.asList(args));
        return new DemoLauncherProcess(ChildProcess.start("launcher", command, LogFile.named(logName)));
    }

    /**
     * Waits for the {@code READY} line and returns the URLs it names. Also records the launcher's
     * descendant processes at that moment (see {@link #descendants()}).
     */
    public List<URI> awaitReady(Duration timeout) {
        String line = Await.until("the launcher's READY line in " + process.log(), timeout, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("launcher exited with " + process.exitValue() + ":\n" + process.log().tail(60));
            }
            return readyLine();
        }, Optional::isPresent).orElseThrow();
        descendants = process.handle().descendants().collect(Collectors.toList());
        return Arrays.stream(line.trim().split("\\s+")).skip(1).map(URI::create).collect(Collectors.toList());
    }

    private Optional<String> readyLine() {
        return process.log().text().lines().filter(l -> l.startsWith("READY ")).findFirst();
    }

    /** The processes started by the launcher (workers, embedded Redis), as seen when it was ready. */
    public List<ProcessHandle> descendants() {
        return descendants;
    }

    public LogFile log() {
        return process.log();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL to the launcher only: no shutdown hook runs. */
    public void kill() {
        process.kill();
    }

    /** SIGTERM to the launcher only; returns its exit code. */
    public int stop(Duration timeout) {
        return process.stop(timeout);
    }

    /** Stops the launcher and kills whatever it started that is still alive. */
    @Override
    public void close() {
        List<ProcessHandle> started = descendants.isEmpty() && process.isAlive()
                ? process.handle().descendants().collect(Collectors.toList()) : descendants;
        process.close();
        started.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
