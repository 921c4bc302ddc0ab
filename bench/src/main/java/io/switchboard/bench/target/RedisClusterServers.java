package io.switchboard.bench.target;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Redis Cluster of three masters (no replicas): {@code redis-server} processes on free ports of 127.0.0.1
 * (each with its cluster bus port, +10000, free too), cluster-enabled, nothing persisted, joined by
 * {@code redis-cli --cluster create}. Each master's CPU is read from its own process.
 */
public final class RedisClusterServers implements AutoCloseable {
    private static final int MASTERS = 3;
    private static final int BUS_PORT_OFFSET = 10_000;
    private static final Duration READY = Duration.ofSeconds(30);

    private final List<ChildProcess> masters = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private RedisClusterServers() {
    }

    /** Starts the three masters (their files and logs under {@code dir}) and waits until the cluster says ok. */
    public static RedisClusterServers start(Path dir) throws IOException {
        RedisClusterServers cluster = new RedisClusterServers();
        try {
            for (int i = 1; i <= MASTERS; i++) {
                int port = Ports.freeWithPartner(BUS_PORT_OFFSET);
                Path nodeDir = Files.createDirectories(dir.resolve("redis-cluster-" + port)).toAbsolutePath();
                ChildProcess master = ChildProcess.start("redis-cluster-" + i, List.of("redis-server",
                        "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--protected-mode", "yes", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "5000", "--dir", nodeDir.toString()),
                        null, Map.of(), dir.resolve("redis-cluster-" + i + ".log"));
                cluster.masters.add(master);
                cluster.ports.add(port);
                master.awaitLine(line -> line.contains("Ready to accept connections"), Duration.ofSeconds(20));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.ports.forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            String output = run(create);
            long deadline = System.nanoTime() + READY.toNanos();
            while (!cluster.ok()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Redis Cluster did not say cluster_state:ok: " + output);
                }
                sleep(100);
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private boolean ok() throws IOException {
        for (int port : ports) {
            if (!run(List.of("redis-cli", "-p", String.valueOf(port), "cluster", "info")).contains("cluster_state:ok")) {
                return false;
            }
        }
        return true;
    }

    /** The masters' process ids, in start order. */
    public List<Long> pids() {
        return masters.stream().map(ChildProcess::pid).toList();
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** How many slots each master serves, in start order (from {@code CLUSTER NODES}), for the report. */
    public List<Integer> slotCounts() throws IOException {
        String nodes = run(List.of("redis-cli", "-p", String.valueOf(ports.get(0)), "cluster", "nodes"));
        List<Integer> counts = new ArrayList<>();
        for (int port : ports) {
            int count = 0;
            for (String line : nodes.split("\n")) {
                String[] fields = line.trim().split(" ");
                if (fields.length > 8 && fields[1].startsWith("127.0.0.1:" + port + "@")) {
                    for (int i = 8; i < fields.length; i++) {
                        String[] range = fields[i].split("-");
                        if (!fields[i].startsWith("[")) {
                            count += range.length == 2 ? Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1 : 1;
                        }
                    }
                }
            }
            counts.add(count);
        }
        return counts;
    }

    /**
     * A Redisson YAML file ({@code clusterServersConfig}) naming the masters, with the module's pool sizes and
     * {@code subscriptionsPerConnection} (0: Redisson's default) as the single-Redis runs use.
     */
    public Path redissonYaml(Path dir, int subscriptionsPerConnection) throws IOException {
        StringBuilder yaml = new StringBuilder("clusterServersConfig:\n")
                .append("  readMode: \"MASTER\"\n  subscriptionMode: \"MASTER\"\n")
                .append("  masterConnectionMinimumIdleSize: 2\n  masterConnectionPoolSize: 16\n")
                .append("  subscriptionConnectionMinimumIdleSize: 1\n  subscriptionConnectionPoolSize: 50\n")
                .append(subscriptionsPerConnection > 0 ? "  subscriptionsPerConnection: " + subscriptionsPerConnection + "\n" : "")
                .append("  retryAttempts: 3\n  timeout: 3000\n  nodeAddresses:\n");
        ports.forEach(port -> yaml.append("  - \"redis://127.0.0.1:").append(port).append("\"\n"));
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("redisson-cluster.yaml"), yaml).toAbsolutePath();
    }

    /** {@code calls} of {@code cmdstat_<command>} in master {@code index}'s {@code INFO commandstats} (0 if never called). */
    public long commandCalls(int index, String command) throws IOException {
        String stats = run(List.of("redis-cli", "-p", String.valueOf(ports.get(index)), "info", "commandstats"));
        for (String line : stats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String calls = line.substring(line.indexOf('=') + 1);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    private static String run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            process.destroy();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        masters.forEach(ChildProcess::close);
    }
}
