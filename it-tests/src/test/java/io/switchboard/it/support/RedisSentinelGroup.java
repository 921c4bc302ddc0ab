package io.switchboard.it.support;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.redis.RedissonYaml;
import io.switchboard.testkit.redis.Resp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Sentinel-managed master/replica pair: two {@code redis-server} processes (nothing persisted) and one
 * Sentinel ({@code redis-server <conf> --sentinel}) with quorum 1 and a short {@code down-after-milliseconds},
 * all on free ports of 127.0.0.1.
 *
 * <p>Threading: driven by one test thread at a time.
 */
public final class RedisSentinelGroup implements AutoCloseable {

    /** The name the Sentinel monitors the pair under. */
    public static final String MASTER_NAME = "switchboard";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<AutoCloseable> started = new ArrayList<>();
    private RedisServerProcess master;
    private RedisServerProcess replica;
    private ChildProcess sentinel;
    private int sentinelPort;

    private RedisSentinelGroup(Path dir) {
        this.dir = dir;
    }

    /** Starts master, replica and Sentinel, logs {@code <name>-*.log}, and waits until the Sentinel knows the replica in sync. */
    public static RedisSentinelGroup start(String name, Path dir) {
        RedisSentinelGroup group = new RedisSentinelGroup(dir);
        try {
            Files.createDirectories(dir);
            // Nothing persisted, but a replica's first sync still writes an RDB file: into the test's directory.
            List<String> masterSettings = new ArrayList<>(RedisServerProcess.noPersistence());
            masterSettings.addAll(List.of("--dir", Files.createDirectories(dir.resolve("master")).toAbsolutePath().toString()));
            group.master = group.keep(RedisServerProcess.start(name + "-master", FreePorts.one(), masterSettings));
            List<String> replicaSettings = new ArrayList<>(RedisServerProcess.noPersistence());
            replicaSettings.addAll(List.of("--dir", Files.createDirectories(dir.resolve("replica")).toAbsolutePath().toString(),
                    "--replicaof", "127.0.0.1", Integer.toString(group.master.port())));
            group.replica = group.keep(RedisServerProcess.start(name + "-replica", FreePorts.one(), replicaSettings));
            group.sentinelPort = FreePorts.one();
            Path conf = dir.resolve("sentinel.conf");
            Files.writeString(conf, "port " + group.sentinelPort + "\n"
                    + "bind 127.0.0.1\n"
                    + "daemonize no\n"
                    + "dir " + dir.toAbsolutePath() + "\n"
                    + "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + group.master.port() + " 1\n"
                    + "sentinel down-after-milliseconds " + MASTER_NAME + " 1000\n"
                    + "sentinel failover-timeout " + MASTER_NAME + " 5000\n"
                    + "sentinel parallel-syncs " + MASTER_NAME + " 1\n");
            group.sentinel = group.keep(ChildProcess.start(name + "-sentinel",
                    List.of("redis-server", conf.toAbsolutePath().toString(), "--sentinel"), LogFile.named(name + "-sentinel")));
            Await.until("Sentinel on " + group.sentinelPort + " knowing the replica " + group.replica.port() + " in sync",
                    READY_TIMEOUT, group::replicaKnownInSync);
        } catch (IOException e) {
            group.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
        return group;
    }

    private <T extends AutoCloseable> T keep(T resource) {
        started.add(resource);
        return resource;
    }

    private boolean replicaKnownInSync() {
        try {
            String replicas = String.valueOf(sentinel("SENTINEL", "REPLICAS", MASTER_NAME));
            return replicas.contains(Integer.toString(replica.port()))
                    && "up".equals(replica.info("replication", "master_link_status"));
        } catch (UncheckedIOException notYet) {
            return false;
        }
    }

    /** One command to the Sentinel. */
    public Object sentinel(String... args) {
        try {
            return Resp.command("127.0.0.1", sentinelPort, args);
        } catch (IOException e) {
            throw new UncheckedIOException("sentinel " + String.join(" ", args), e);
        }
    }

    /** The port of the master as the Sentinel names it now. */
    public int currentMasterPort() {
        List<?> address = (List<?>) sentinel("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return Integer.parseInt(String.valueOf(address.get(1)));
    }

    public RedisServerProcess master() {
        return master;
    }

    public RedisServerProcess replica() {
        return replica;
    }

    /** A Redisson YAML file ({@code sentinelServersConfig}); reads and subscriptions go to the master. */
    public Path redissonYaml() {
        String yaml = "sentinelServersConfig:\n"
                + "  masterName: \"" + MASTER_NAME + "\"\n"
                + "  checkSentinelsList: false\n"
                + RedissonYaml.MASTER_ONLY
                + "  sentinelAddresses:\n"
                + "  - \"redis://127.0.0.1:" + sentinelPort + "\"\n";
        try {
            return Files.writeString(dir.resolve("redisson-sentinel.yaml"), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                if (started.get(i) instanceof RedisServerProcess redis && redis.isAlive()) {
                    redis.resume(); // a paused process would not hear SIGTERM
                }
                started.get(i).close();
            } catch (Exception | AssertionError e) {
                System.err.println("could not stop " + started.get(i) + ": " + e);
            }
        }
    }

    @Override
    public String toString() {
        return "Sentinel " + sentinelPort + " with master " + master + " and replica " + replica;
    }
}
