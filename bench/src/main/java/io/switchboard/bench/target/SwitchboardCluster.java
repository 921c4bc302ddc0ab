package io.switchboard.bench.target;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Switchboard as users run it: N worker JVMs of the demo jar ({@code io.switchboard.demo.Worker}, an embedded
 * Tomcat serving the sample WAR with the module in WEB-INF/lib), all on one Redis.
 */
public final class SwitchboardCluster extends ChildProcessCluster {
    private boolean recording;
    /** Set while async-profiler samples the workers; only the thread running the scenario uses these. */
    private AsyncProfiler profiler;
    private String profileName;
    private final List<String> profileEvents = new ArrayList<>();

    private SwitchboardCluster() {
        super("switchboard");
    }

    /**
     * Starts {@code count} workers and waits until each prints {@code WORKER READY} and its health answers 200.
     *
     * @param jvmOptions extra JVM options for each worker (heap size, {@code -Dswitchboard.*} settings)
     */
    public static SwitchboardCluster start(int count, Path demoJar, RedisServer redis, String apiToken,
                                           List<String> jvmOptions, int subscriptionsPerConnection, Path logDir)
            throws IOException {
        if (!demoJar.toFile().isFile()) {
            throw new IOException("the demo jar " + demoJar + " is missing: build it with ./mvnw -DskipTests package");
        }
        List<String> options = new ArrayList<>(jvmOptions);
        if (subscriptionsPerConnection > 0) {
            options.add("-Dswitchboard.redisson-config=" + redissonYaml(redis, subscriptionsPerConnection, logDir));
        }
        return startOrClose(new SwitchboardCluster(), cluster -> {
            for (int i = 1; i <= count; i++) {
                int port = Ports.free();
                // The token travels in the environment, not on the command line.
                cluster.start("switchboard-node-" + i, JavaCommand.of(options, demoJar.toString(), "io.switchboard.demo.Worker",
                                "--port", String.valueOf(port), "--node", "node-" + i, "--redis", redis.url()),
                        null, Map.of("SWITCHBOARD_API_TOKEN", apiToken), logDir.resolve("switchboard-node-" + i + ".log"));
                cluster.addNode(port);
            }
            cluster.awaitReadyLine("WORKER READY", Duration.ofSeconds(120));
            for (InetSocketAddress node : cluster.nodes()) {
                awaitHealthy(node);
            }
        });
    }

    /**
     * The module's own Redis settings (see its RedisClients) except for one: Redisson multiplexes at most
     * {@code subscriptionsPerConnection} channels (default 5) on each of its 50 pub/sub connections, so with its
     * defaults a node can hold only 250 distinct channels at once; per-user channels need more.
     */
    private static Path redissonYaml(RedisServer redis, int subscriptionsPerConnection, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve("redisson.yaml").toAbsolutePath();
        Files.writeString(file, """
                singleServerConfig:
                  address: "%s"
                  connectionMinimumIdleSize: 2
                  connectionPoolSize: 16
                  subscriptionConnectionMinimumIdleSize: 1
                  subscriptionConnectionPoolSize: 50
                  subscriptionsPerConnection: %d
                  retryAttempts: 3
                  timeout: 3000
                """.formatted(redis.url(), subscriptionsPerConnection));
        return file;
    }

    private static void awaitHealthy(InetSocketAddress node) throws IOException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        URI health = URI.create("http://127.0.0.1:" + node.getPort() + "/switchboard/api/health");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            sleep(200);
        }
        throw new IOException("node " + node + " is not healthy: " + last);
    }

    /** Starts a JFR recording (profile settings) in every worker. */
    public void startRecording() throws IOException {
        for (ChildProcess worker : processes()) {
            Jcmd.run(worker.pid(), "JFR.start", "name=bench", "settings=profile");
        }
        recording = true;
    }

    /** Stops the recording and writes one file per worker into {@code dir}; returns the files. */
    public List<Path> stopRecording(Path dir, String prefix) throws IOException {
        List<Path> files = new ArrayList<>();
        if (!recording) {
            return files;
        }
        recording = false;
        List<ChildProcess> workers = processes();
        for (int i = 0; i < workers.size(); i++) {
            Path file = dir.resolve(prefix + "-node-" + (i + 1) + ".jfr").toAbsolutePath();
            Jcmd.run(workers.get(i).pid(), "JFR.stop", "name=bench", "filename=" + file);
            files.add(file);
        }
        return files;
    }

    /**
     * Starts async-profiler in every worker; {@link #stopProfiling} writes {@code <prefix>-node-<i>.collapsed}
     * into the profiler's folder.
     */
    public void startProfiling(AsyncProfiler profiler, String prefix) throws IOException {
        this.profiler = profiler;
        profileName = prefix;
        profileEvents.clear();
        List<ChildProcess> workers = processes();
        for (int i = 0; i < workers.size(); i++) {
            profileEvents.add(profiler.start(workers.get(i).pid(), prefix + "-node-" + (i + 1)));
        }
    }

    /** Stops async-profiler in every worker it was started in; returns one recording per worker. */
    public List<AsyncProfiler.Recording> stopProfiling() throws IOException {
        List<AsyncProfiler.Recording> recordings = new ArrayList<>();
        if (profiler == null) {
            return recordings;
        }
        AsyncProfiler running = profiler;
        profiler = null;
        List<ChildProcess> workers = processes();
        for (int i = 0; i < profileEvents.size(); i++) {
            Path file = running.stop(workers.get(i).pid(), profileName + "-node-" + (i + 1));
            recordings.add(new AsyncProfiler.Recording(file, profileEvents.get(i)));
        }
        return recordings;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
