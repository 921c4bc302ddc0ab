package io.switchboard.it.support;

import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real {@code redis-server} process on a free port of 127.0.0.1, without persistence unless started
 * with an append-only file. Uses the binary on the PATH; only where there is none, the one bundled in
 * embedded-redis. Never touches a Redis the machine runs itself (6379).
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final int port;
    private final String executable;
    private final List<String> persistence;
    private ChildProcess process;

    private RedisServerProcess(String name, int port, String executable, List<String> persistence) {
        this.name = name;
        this.port = port;
        this.executable = executable;
        this.persistence = persistence;
    }

    /** Starts a redis-server whose output goes to {@code <name>.log} in the log directory. */
    public static RedisServerProcess start(String name) {
        RedisServerProcess redis = new RedisServerProcess(name, FreePorts.one(), findExecutable(),
                List.of("--save", "", "--appendonly", "no"));
        redis.launch();
        return redis;
    }

    /**
     * Starts a redis-server that writes every change to an append-only file in {@code dir} and fsyncs it
     * before answering ({@code --appendonly yes --appendfsync always}): what it acknowledged survives a
     * restart, see {@link #startAgain()}.
     */
    public static RedisServerProcess startWithAppendOnlyFile(String name, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServerProcess redis = new RedisServerProcess(name, FreePorts.one(), findExecutable(),
                List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toAbsolutePath().toString()));
        redis.launch();
        return redis;
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String url() {
        return "redis://" + HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    /** Sends one command and returns the reply (see {@link Resp} for the types). */
    public Object command(String... args) {
        try {
            return Resp.command(HOST, port, args);
        } catch (IOException e) {
            throw new UncheckedIOException("redis " + String.join(" ", args) + " on " + url(), e);
        }
    }

    /** {@code DBSIZE}: how many keys the database holds. */
    public long keyCount() {
        return (Long) command("DBSIZE");
    }

    /** {@code used_memory} of {@code INFO memory}: the bytes Redis has allocated (data, buffers, pub/sub). */
    public long usedMemory() {
        String info = (String) command("INFO", "memory");
        return info.lines().filter(line -> line.startsWith("used_memory:")).findFirst()
                .map(line -> Long.parseLong(line.substring("used_memory:".length()).trim()))
                .orElseThrow(() -> new AssertionError("no used_memory in INFO memory:\n" + info));
    }

    /** {@code PUBSUB NUMSUB <channel>}: how many connections subscribe to {@code channel}. */
    public long subscriberCount(String channel) {
        List<?> reply = (List<?>) command("PUBSUB", "NUMSUB", channel);
        return (Long) reply.get(1);
    }

    /** {@code PUBSUB CHANNELS <pattern>}: the channels with at least one subscriber. */
    public List<String> subscribedChannels(String pattern) {
        return ((List<?>) command("PUBSUB", "CHANNELS", pattern)).stream().map(String::valueOf).collect(Collectors.toList());
    }

    /** SIGTERM and wait for the exit. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.stop(Duration.ofSeconds(10));
        }
    }

    /** SIGKILL. */
    public void kill() {
        if (process != null) {
            process.kill();
        }
    }

    /** Stops it if it still runs and starts a new, empty one on the same port. */
    public void restart() {
        stop();
        launch();
    }

    /**
     * Starts it again on the same port after {@link #stop()} or {@link #kill()}: empty without persistence,
     * with its data when started by {@link #startWithAppendOnlyFile}.
     */
    public void startAgain() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        launch();
    }

    /** True while the process runs. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    private void launch() {
        LogFile log = LogFile.named(name);
        List<String> command = new ArrayList<>(List.of(executable,
                "--port", Integer.toString(port),
                "--bind", HOST,
                "--daemonize", "no"));
        command.addAll(persistence);
        process = ChildProcess.start(name, command, log);
        Await.until(name + " answering PING on " + url() + " (log " + log + ")", START_TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + log.tail(20));
            }
            return "PONG".equals(ping());
        });
    }

    private Object ping() {
        try {
            return Resp.command(HOST, port, "PING");
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String findExecutable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Paths.get(dir, "redis-server");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        try {
            return ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("no redis-server on the PATH and the bundled one cannot be extracted", e);
        }
    }

    @Override
    public String toString() {
        return name + " " + url();
    }
}
