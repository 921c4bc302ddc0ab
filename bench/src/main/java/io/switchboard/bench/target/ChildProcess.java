package io.switchboard.bench.target;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A process this benchmark started: its output goes to a log file, a line can be awaited, and it is
 * stopped with SIGTERM, then killed if it does not end in time (its descendants too, e.g. the workers
 * of a Node cluster primary). Every started process is also stopped by a JVM shutdown hook, so an
 * interrupted run leaves nothing behind.
 */
public final class ChildProcess implements AutoCloseable {
    private static final int EARLY_LINES = 1000;
    private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ChildProcess::close), "bench-cleanup"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    /** The first lines of output, so a line printed before anyone waits for it is not missed. */
    private final List<String> early = new ArrayList<>();
    private final CompletableFuture<String> awaited = new CompletableFuture<>();
    private Predicate<String> awaitedLine; // guarded by early

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}; stdout and stderr go to {@code log}. */
    public static ChildProcess start(String name, List<String> command, Path workDir, Map<String, String> env, Path log)
            throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        builder.environment().putAll(env);
        Process process = builder.start();
        ChildProcess child = new ChildProcess(name, process, log);
        RUNNING.add(child);
        Thread pump = new Thread(child::pump, "bench-log-" + name);
        pump.setDaemon(true);
        pump.start();
        return child;
    }

    /** Waits for the first output line matching {@code line}; fails if the process ends first or time runs out. */
    public String awaitLine(Predicate<String> line, Duration timeout) throws IOException {
        synchronized (early) {
            awaitedLine = line;
            early.stream().filter(line).findFirst().ifPresent(awaited::complete);
        }
        try {
            return awaited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException(name + " did not get ready within " + timeout.toSeconds() + " s (see " + log + ")");
        } catch (ExecutionException e) {
            throw new IOException(name + ": " + e.getCause().getMessage() + " (see " + log + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + name);
        }
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                synchronized (early) {
                    if (early.size() < EARLY_LINES) {
                        early.add(line);
                    }
                    if (awaitedLine != null && !awaited.isDone() && awaitedLine.test(line)) {
                        awaited.complete(line);
                    }
                }
            }
        } catch (IOException e) {
            // the process ended or the log cannot be written; either way nothing more to pump
        }
        awaited.completeExceptionally(new IOException("the process ended with code " + exitCode()));
    }

    private String exitCode() {
        try {
            return String.valueOf(process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : "?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    public long pid() {
        return process.pid();
    }

    public String name() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** SIGTERM, up to 15 s to end, then SIGKILL for it and any descendant still running. Idempotent. */
    @Override
    public void close() {
        RUNNING.remove(this);
        List<ProcessHandle> descendants = process.descendants().toList();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        for (ProcessHandle descendant : descendants) {
            if (descendant.isAlive()) {
                descendant.destroyForcibly();
            }
        }
    }
}
