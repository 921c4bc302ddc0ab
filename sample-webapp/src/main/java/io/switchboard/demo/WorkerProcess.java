package io.switchboard.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One supervised worker JVM: started, its output relayed line by line with a {@code [node-1]} prefix, watched
 * until healthy, and started again (after a growing pause) whenever it ends without being asked to.
 *
 * <p>Threads: a supervisor thread per worker owns the start / wait / restart loop; two relay threads per
 * running process copy its stdout and stderr; {@link #stop(Duration)} may be called from any thread.
 * {@link #process} and {@link #stopping} are guarded by {@link #lock}: a process is only ever launched under
 * the lock after checking {@code stopping}, so once {@code stop} has set it no new process can appear.
 */
final class WorkerProcess {

    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A worker that ran this long before dying is restarted after the first backoff again. */
    private static final Duration STABLE_UPTIME = Duration.ofMinutes(1);
    private static final Duration HEALTH_POLL = Duration.ofMillis(200);

    private final String nodeId;
    private final int port;
    private final List<String> command;
    private final Map<String, String> environment;
    private final HealthProbe health;
    private final CompletableFuture<Void> firstHealthy = new CompletableFuture<>();
    private final Thread supervisor;

    private final Object lock = new Object();
    private Process process;   // guarded by lock; the running JVM, null between runs
    private boolean stopping;  // guarded by lock

    /**
     * @param command     the full command line of the worker JVM
     * @param environment added to the launcher's own environment (secrets travel here, not on the command line)
     */
    WorkerProcess(String nodeId, int port, List<String> command, Map<String, String> environment, HealthProbe health) {
        this.nodeId = nodeId;
        this.port = port;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.health = health;
        this.supervisor = new Thread(this::supervise, "supervise-" + nodeId);
    }

    String nodeId() {
        return nodeId;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    void start() {
        supervisor.start();
    }

    /** Completes when the worker first answers its health check; never completes if it never does. */
    CompletableFuture<Void> firstHealthy() {
        return firstHealthy;
    }

    /**
     * Stops the worker for good: SIGTERM (so it undeploys gracefully), then SIGKILL if it is still running after
     * {@code grace}. Returns once the process is gone and its last output relayed. Safe to call more than once.
     */
    void stop(Duration grace) throws InterruptedException {
        Process running;
        synchronized (lock) {
            stopping = true;
            running = process;
            lock.notifyAll(); // ends a restart backoff early
        }
        if (running != null) {
            // SIGTERM through the handle: Process.destroy() sends the same signal but also closes our ends of the
            // worker's stdout/stderr, and the worker's last lines (its graceful shutdown) would hit a broken pipe.
            running.toHandle().destroy();
            if (!running.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                Console.warn("%s did not stop within %d s; killing it", nodeId, grace.toSeconds());
                running.destroyForcibly();
                running.waitFor();
            }
        }
        supervisor.join(grace.toMillis());
    }

    private void supervise() {
        Duration backoff = FIRST_BACKOFF;
        boolean restarted = false;
        try {
            while (true) {
                Process running;
                synchronized (lock) {
                    if (stopping) {
                        return;
                    }
                    running = launch();
                    process = running;
                }
                long startedAt = System.nanoTime();
                if (running != null) {
                    List<Thread> relays = List.of(
                            relay(running.getInputStream(), System.out, "stdout"),
                            relay(running.getErrorStream(), System.err, "stderr"));
                    if (awaitHealthy(running)) {
                        if (restarted) {
                            Console.info("%s is back on %s", nodeId, url());
                        }
                        firstHealthy.complete(null);
                    }
                    int status = running.waitFor();
                    for (Thread relay : relays) {
                        relay.join(1000); // let the last lines (often the reason it died) through first
                    }
                    synchronized (lock) {
                        process = null;
                        if (stopping) {
                            return;
                        }
                    }
                    if (Duration.ofNanos(System.nanoTime() - startedAt).compareTo(STABLE_UPTIME) > 0) {
                        backoff = FIRST_BACKOFF;
                    }
                    Console.warn("%s exited unexpectedly (status %d); restarting in %d s", nodeId, status, backoff.toSeconds());
                }
                synchronized (lock) {
                    long until = System.nanoTime() + backoff.toNanos();
                    for (long left = backoff.toMillis(); !stopping && left > 0; left = (until - System.nanoTime()) / 1_000_000) {
                        lock.wait(left);
                    }
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                restarted = true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the JVM; null (after saying why) if the command cannot even be run. Called under {@link #lock}. */
    private Process launch() {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        try {
            return builder.start();
        } catch (IOException e) {
            Console.warn("cannot start %s: %s", nodeId, e.getMessage());
            return null;
        }
    }

    /** Polls the health endpoint until it answers 200 (true), or the process ends or is being stopped (false). */
    private boolean awaitHealthy(Process running) throws InterruptedException {
        while (running.isAlive()) {
            synchronized (lock) {
                if (stopping) {
                    return false;
                }
            }
            if (health.isHealthy(port)) {
                return true;
            }
            running.waitFor(HEALTH_POLL.toMillis(), TimeUnit.MILLISECONDS); // returns at once if it dies
        }
        return false;
    }

    private Thread relay(InputStream from, PrintStream to, String name) {
        String prefix = "[" + nodeId + "] ";
        Thread thread = new Thread(() -> {
            // Workers are JVMs on this machine: they write in the platform's native encoding.
            Charset charset = Charset.forName(System.getProperty("native.encoding", Charset.defaultCharset().name()));
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(from, charset))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    Console.line(to, prefix + line);
                }
            } catch (IOException e) {
                // the process is gone; nothing more to relay
            }
        }, nodeId + "-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
