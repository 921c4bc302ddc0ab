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
public final class SwitchboardCluster implements Cluster {
    private final List<ChildProcess> workers;
    private final List<InetSocketAddress> nodes;
    private boolean recording;

    private SwitchboardCluster(List<ChildProcess> workers, List<InetSocketAddress> nodes) {
        this.workers = workers;
        this.nodes = nodes;
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
        List<ChildProcess> workers = new ArrayList<>();
        List<InetSocketAddress> nodes = new ArrayList<>();
        SwitchboardCluster cluster = new SwitchboardCluster(workers, nodes);
        try {
            for (int i = 1; i <= count; i++) {
                int port = Ports.free();
                List<String> command = new ArrayList<>();
                command.add(Jcmd.javaHomeTool("java"));
                command.addAll(options);
                command.addAll(List.of("-cp", demoJar.toString(), "io.switchboard.demo.Worker",
                        "--port", String.valueOf(port), "--node", "node-" + i, "--redis", redis.url(),
                        "--watch-pid", String.valueOf(ProcessHandle.current().pid())));
                // The token travels in the environment, not on the command line.
                workers.add(ChildProcess.start("switchboard-node-" + i, command, null,
                        Map.of("SWITCHBOARD_API_TOKEN", apiToken), logDir.resolve("switchboard-node-" + i + ".log")));
                nodes.add(new InetSocketAddress("127.0.0.1", port));
            }
            // The workers start in parallel; wait for each in turn.
            for (ChildProcess worker : workers) {
                worker.awaitLine(line -> line.startsWith("WORKER READY"), Duration.ofSeconds(120));
            }
            for (InetSocketAddress node : nodes) {
                awaitHealthy(node);
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
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

    @Override
    public String system() {
        return "switchboard";
    }

    @Override
    public List<InetSocketAddress> nodes() {
        return nodes;
    }

    @Override
    public List<Long> serverPids() {
        return workers.stream().map(ChildProcess::pid).toList();
    }

    @Override
    public long heapAfterGc() throws IOException {
        long sum = 0;
        for (ChildProcess worker : workers) {
            sum += Jcmd.heapAfterGc(worker.pid());
        }
        return sum;
    }

    /** Starts a JFR recording (profile settings) in every worker. */
    public void startRecording() throws IOException {
        for (ChildProcess worker : workers) {
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
        for (int i = 0; i < workers.size(); i++) {
            Path file = dir.resolve(prefix + "-node-" + (i + 1) + ".jfr").toAbsolutePath();
            Jcmd.run(workers.get(i).pid(), "JFR.stop", "name=bench", "filename=" + file);
            files.add(file);
        }
        return files;
    }

    @Override
    public void close() {
        // In parallel: each graceful stop closes its WebSockets and Redis client, which takes a moment.
        workers.parallelStream().forEach(ChildProcess::close);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
