package io.switchboard.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The demo cluster on one machine: N worker JVMs (embedded Tomcat serving the sample, see {@link Worker}) on
 * consecutive ports, sharing one Redis, the way Node's {@code cluster} module runs several Socket.IO processes.
 *
 * <p>Prints exactly one {@code READY http://127.0.0.1:P http://127.0.0.1:P+1 ...} line on stdout once every
 * node's health check answers 200; scripts wait for it. Restarts a worker that dies, and on Ctrl-C / SIGTERM
 * stops the workers gracefully, then the embedded Redis.
 *
 * <p>Threads: {@code main} starts everything and then waits; each {@link WorkerProcess} has its own supervisor
 * thread; {@link #stop()} runs once, on a signal thread or the shutdown hook. {@link #stopped}, {@link #workers}
 * and {@link #redis} are guarded by {@link #lock}, so a stop that arrives during startup never misses a worker
 * started after it.
 */
public final class Launcher {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final String WORKER_HEAP = "-Xmx256m";

    private final LauncherOptions options;
    private final Path runDirectory;

    private final Object lock = new Object();
    private final List<WorkerProcess> workers = new ArrayList<>(); // guarded by lock
    private EmbeddedRedis redis;                                    // guarded by lock; null with --redis
    private boolean stopped;                                        // guarded by lock

    private Launcher(LauncherOptions options, Path runDirectory) {
        this.options = options;
        this.runDirectory = runDirectory;
    }

    public static void main(String[] args) throws Exception {
        LauncherOptions options;
        try {
            options = LauncherOptions.parse(args, System.getenv(), System.getProperties());
        } catch (UsageException e) {
            System.err.println("switchboard-demo: " + e.getMessage());
            System.err.println();
            System.err.println(LauncherOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(LauncherOptions.USAGE);
            return;
        }
        Launcher launcher = new Launcher(options, Files.createTempDirectory("switchboard-demo-"));
        StopSignals.install("launcher", launcher::stop);
        try {
            launcher.run();
        } catch (LaunchException e) {
            Console.warn("%s", e.getMessage());
            launcher.stop();
            System.exit(1);
        }
        // Running: the supervisors keep the cluster up; a signal ends the process through System.exit.
        new CountDownLatch(1).await();
    }

    /** Starts Redis (if needed) and the workers; returns once all are healthy and READY has been printed. */
    private void run() throws LaunchException, InterruptedException {
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < options.nodes(); i++) {
            if (!Ports.isFree(options.port() + i)) {
                taken.add(options.port() + i);
            }
        }
        if (!taken.isEmpty()) {
            throw new LaunchException("port" + (taken.size() > 1 ? "s " : " ") + taken.stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")) + " on 127.0.0.1 already in use: stop what uses "
                    + (taken.size() > 1 ? "them" : "it") + " or choose other ports with --port");
        }

        String redisUrl = options.redis().orElse(null);
        if (redisUrl == null) {
            long started = System.nanoTime();
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                try {
                    redis = EmbeddedRedis.start(runDirectory);
                } catch (IOException e) {
                    throw new LaunchException("cannot start the embedded Redis (" + e.getMessage()
                            + "); give one with --redis redis://host:port");
                }
                redisUrl = redis.url();
                Console.info("embedded Redis on %s (%s, %d ms)", redisUrl, redis.binary(), millisSince(started));
            }
        } else {
            Console.info("using the Redis given by --redis / SWITCHBOARD_REDIS");
        }

        String apiToken = options.token().orElse(null);
        if (apiToken == null) {
            apiToken = randomToken();
            Console.info("the HTTP API token was generated for this run and is not shown; to publish through the API, "
                    + "start with --api-token <token> or SWITCHBOARD_API_TOKEN=<token>");
        }
        String tokenSecret = options.secret().orElse(null);
        if (tokenSecret == null) {
            tokenSecret = randomToken();
            Console.info("the client token secret was generated for this run and is not shown; to mint client tokens, "
                    + "start with --token-secret <secret> or SWITCHBOARD_TOKEN_SECRET=<secret>");
        }

        long started = System.nanoTime();
        List<CompletableFuture<Void>> healthy = new ArrayList<>();
        synchronized (lock) {
            if (stopped) {
                return;
            }
            HealthProbe probe = new HealthProbe(modulePrefix());
            // Secrets go through the environment (the module reads SWITCHBOARD_*), not the command line that
            // every user of the machine can read with ps.
            Map<String, String> environment = Map.of("SWITCHBOARD_REDIS", redisUrl, "SWITCHBOARD_API_TOKEN", apiToken,
                    "SWITCHBOARD_TOKEN_SECRET", tokenSecret);
            for (int i = 0; i < options.nodes(); i++) {
                String nodeId = "node-" + (i + 1);
                int port = options.port() + i;
                WorkerProcess worker = new WorkerProcess(nodeId, port, workerCommand(nodeId, port), environment, probe);
                workers.add(worker);
                healthy.add(worker.firstHealthy());
                worker.start();
            }
        }
        Console.info("starting %d nodes on ports %d-%d", options.nodes(), options.port(), options.port() + options.nodes() - 1);

        try {
            CompletableFuture.allOf(healthy.toArray(CompletableFuture[]::new))
                    .get(STARTUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            List<String> silent;
            synchronized (lock) {
                silent = workers.stream().filter(w -> !w.firstHealthy().isDone()).map(WorkerProcess::nodeId).toList();
            }
            throw new LaunchException(String.join(", ", silent) + " did not answer " + modulePrefix()
                    + "/api/health with 200 within " + STARTUP_TIMEOUT.toSeconds() + " s; see the node output above");
        } catch (ExecutionException e) {
            throw new LaunchException("startup failed: " + e.getCause());
        }

        List<String> urls;
        synchronized (lock) {
            urls = workers.stream().map(WorkerProcess::url).toList();
        }
        Console.line(System.out, "READY " + String.join(" ", urls));
        Console.info("all %d nodes up in %d ms. Open %s/ (each node serves the same page; a trigger sent on one node "
                + "reaches the pages of all of them). Ctrl-C stops everything.", urls.size(), millisSince(started), urls.get(0));
    }

    /**
     * Stops the workers (all at once, each gracefully), then Redis, then removes the temporary files.
     * Runs once (see {@link StopSignals}); also used when startup fails.
     */
    private void stop() {
        List<WorkerProcess> toStop;
        EmbeddedRedis redisToStop;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            toStop = List.copyOf(workers);
            redisToStop = redis;
        }
        if (!toStop.isEmpty()) {
            Console.info("stopping %d nodes", toStop.size());
        }
        List<Thread> stopping = new ArrayList<>();
        for (WorkerProcess worker : toStop) {
            Thread thread = new Thread(() -> {
                try {
                    worker.stop(STOP_GRACE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-" + worker.nodeId());
            thread.start();
            stopping.add(thread);
        }
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (redisToStop != null) {
            try {
                redisToStop.close();
            } catch (IOException e) {
                Console.warn("could not stop the embedded Redis: %s", e.getMessage());
            }
        }
        deleteRecursively(runDirectory);
        Console.info("stopped");
    }

    /** Where the module answers in the workers: they see our system properties (forwarded) and environment. */
    private static String modulePrefix() {
        String prefix = System.getProperty("switchboard.prefix", System.getenv("SWITCHBOARD_PREFIX"));
        return prefix == null || prefix.isBlank() ? "/switchboard" : prefix.trim();
    }

    /** The worker JVM: same java, same class path (the demo jar), a modest heap. */
    private List<String> workerCommand(String nodeId, int port) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add(WORKER_HEAP);
        // A worker out of memory is better dead (and restarted by us) than half-working.
        command.add("-XX:+ExitOnOutOfMemoryError");
        // What catalina.sh passes too: lets Tomcat check for ThreadLocal and RMI leaks when the application is
        // undeployed (it warns about the missing access instead), so a leak in the module shows in the log.
        command.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
        command.add("--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED");
        // Its temporary files (the unpacked WAR, Tomcat's work directory) live under our run directory,
        // which is removed at the end even when a worker was killed and could not clean up.
        command.add("-Djava.io.tmpdir=" + runDirectory.toAbsolutePath());
        forwardedSwitchboardProperties().forEach(command::add);
        command.add("-cp");
        command.add(classPath());
        command.add(Worker.class.getName());
        command.addAll(List.of("--port", Integer.toString(port), "--node", nodeId,
                "--watch-pid", Long.toString(ProcessHandle.current().pid())));
        return command;
    }

    /** {@code -Dswitchboard.*} given to the launcher, for the module in every worker; not the per-run ones. */
    private static Stream<String> forwardedSwitchboardProperties() {
        List<String> perRun = List.of("switchboard.redis", "switchboard.api-token", "switchboard.token-secret",
                "switchboard.node-id");
        return System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("switchboard.") && !perRun.contains(name))
                .sorted()
                .map(name -> "-D" + name + "=" + System.getProperty(name));
    }

    /** Our own class path made absolute: the demo jar when run with java -jar, the build output in an IDE. */
    private static String classPath() {
        return Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static long millisSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1_000_000;
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }

    /** Startup cannot go on; the message says why and what to do. */
    private static final class LaunchException extends Exception {
        private static final long serialVersionUID = 1L;

        LaunchException(String message) {
            super(message);
        }
    }
}
