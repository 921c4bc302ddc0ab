package io.switchboard.testkit.redis;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Cluster of three masters, with or without replicas: {@code redis-server} processes on free
 * ports of 127.0.0.1 (each with a free cluster bus port), nothing persisted, joined by
 * {@code redis-cli --cluster create ... --cluster-replicas n}. A short {@code cluster-node-timeout} lets the
 * cluster notice a dead master within seconds.
 *
 * <p>Threading: driven by one test thread at a time.
 */
public final class RedisClusterProcess implements AutoCloseable {

    private static final int MASTERS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<RedisServerProcess> nodes = new ArrayList<>();

    private RedisClusterProcess(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts three masters with {@code replicasPerMaster} replicas each (their files under {@code dir}, their
     * logs {@code <name>-<port>.log}), and waits until the cluster is formed and every replica in sync.
     */
    public static RedisClusterProcess start(String name, Path dir, int replicasPerMaster) {
        RedisClusterProcess cluster = new RedisClusterProcess(dir);
        try {
            for (int i = 0; i < MASTERS * (1 + replicasPerMaster); i++) {
                int port = FreePorts.withClusterBusPort();
                Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
                List<String> settings = new ArrayList<>(RedisServerProcess.noPersistence());
                settings.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000", "--dir", nodeDir.toAbsolutePath().toString()));
                cluster.nodes.add(RedisServerProcess.start(name + "-" + port, port, settings));
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.nodes.forEach(node -> create.add("127.0.0.1:" + node.port()));
            create.addAll(List.of("--cluster-replicas", Integer.toString(replicasPerMaster), "--cluster-yes"));
            Process cli = new ProcessBuilder(create).redirectErrorStream(true).start();
            String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cli.waitFor(30, TimeUnit.SECONDS) || cli.exitValue() != 0) {
                throw new AssertionError("redis-cli --cluster create failed: " + output);
            }
            cluster.awaitHealthy();
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            cluster.close();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Waits until every running node says {@code cluster_state:ok} and every running replica's link to its master is up. */
    public void awaitHealthy() {
        Await.until("Redis Cluster ok with every replica in sync", READY_TIMEOUT, () -> nodes.stream()
                .filter(RedisServerProcess::isAlive)
                .allMatch(node -> clusterStateOk(node)
                        && ("master".equals(info(node, "replication", "role"))
                        || "up".equals(info(node, "replication", "master_link_status")))));
    }

    /**
     * A Redisson YAML file ({@code clusterServersConfig}) naming every node. Reads and subscriptions go to the
     * masters (Redisson's default sends them to replicas, which may lag behind what was acknowledged).
     */
    public Path redissonYaml() {
        StringBuilder yaml = new StringBuilder("clusterServersConfig:\n" + RedissonYaml.MASTER_ONLY + "  nodeAddresses:\n");
        nodes.forEach(node -> yaml.append("  - \"redis://127.0.0.1:").append(node.port()).append("\"\n"));
        try {
            return Files.writeString(dir.resolve("redisson-cluster.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running master that serves {@code key}'s hash slot (the others answer MOVED). */
    public RedisServerProcess masterOf(String key) {
        for (RedisServerProcess node : nodes) {
            if (node.isAlive() && "master".equals(info(node, "replication", "role"))) {
                try {
                    node.command("EXISTS", key);
                    return node;
                } catch (UncheckedIOException moved) {
                    // another master's slot
                }
            }
        }
        throw new AssertionError("no running master serves " + key);
    }

    /** The running replica of {@code master}. */
    public RedisServerProcess replicaOf(RedisServerProcess master) {
        for (RedisServerProcess node : nodes) {
            if (node.isAlive() && node != master && Integer.toString(master.port()).equals(info(node, "replication", "master_port"))) {
                return node;
            }
        }
        throw new AssertionError("no running replica of " + master);
    }

    /** Every server, masters and replicas. */
    public List<RedisServerProcess> nodes() {
        return List.copyOf(nodes);
    }

    private static boolean clusterStateOk(RedisServerProcess node) {
        try {
            return String.valueOf(node.command("CLUSTER", "INFO")).contains("cluster_state:ok");
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private static String info(RedisServerProcess node, String section, String field) {
        try {
            return node.info(section, field);
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        for (RedisServerProcess node : nodes) {
            try {
                if (node.isAlive()) {
                    node.resume(); // a paused process would not hear SIGTERM
                }
            } catch (RuntimeException | AssertionError ignored) {
                // closing anyway
            }
            node.close();
        }
    }

    @Override
    public String toString() {
        return "Redis Cluster " + nodes;
    }
}
