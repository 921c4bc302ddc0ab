package io.switchboard.testkit.redis;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;
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
 * with snapshots or an append-only file. Uses the binary on the PATH; only where there is none, the one
 * bundled in embedded-redis. Never touches a Redis the machine runs itself (6379).
 *
 * <p>Threading: driven by one test thread at a time.
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final int port;
    private final String executable;
    private List<String> persistence;
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
        return start(name, FreePorts.one(), appendOnlyFile(dir, "always"));
    }

    /**
     * Starts a redis-server on {@code port} with {@code settings} (command-line options after port and bind,
     * e.g. {@link #noPersistence()}, {@link #snapshots(Path)}, {@link #appendOnlyFile(Path, String)}, cluster options).
     */
    public static RedisServerProcess start(String name, int port, List<String> settings) {
        RedisServerProcess redis = new RedisServerProcess(name, port, findExecutable(), List.copyOf(settings));
        redis.launch();
        return redis;
    }

    /** Nothing persisted: a restart comes back empty. */
    public static List<String> noPersistence() {
        return List.of("--save", "", "--appendonly", "no");
    }

    /**
     * RDB snapshots in {@code dir}, only when asked ({@link #snapshot()}, or a shutdown): a restart after a
     * SIGKILL comes back with the last snapshot.
     */
    public static List<String> snapshots(Path dir) {
        return List.of("--save", "", "--appendonly", "no", "--dir", directory(dir), "--dbfilename", "dump.rdb");
    }

    /** An append-only file in {@code dir}, fsynced as {@code fsync} says ({@code always}, {@code everysec}). */
    public static List<String> appendOnlyFile(Path dir, String fsync) {
        return List.of("--save", "", "--appendonly", "yes", "--appendfsync", fsync, "--dir", directory(dir));
    }

    private static String directory(Path dir) {
        try {
            return Files.createDirectories(dir).toAbsolutePath().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    /** Sends one read command to a Redis Cluster replica ({@code READONLY} first, on the same connection). */
    public Object readOnReplica(String... args) {
        try {
            return Resp.commands(HOST, port, List.of(new String[] {"READONLY"}, args));
        } catch (IOException e) {
            throw new UncheckedIOException("redis READONLY; " + String.join(" ", args) + " on " + url(), e);
        }
    }

    /**
     * How many keys the database holds that do not contain {@code excluded} (e.g. the hash tag of a channel whose
     * publishes are expected to add keys); {@code KEYS *}, for test databases only.
     */
    public long keyCountExcluding(String excluded) {
        Object keys = command("KEYS", "*");
        return ((List<?>) keys).stream().map(String::valueOf).filter(name -> !name.contains(excluded)).count();
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

    /** SIGKILL: nothing is written on the way out. */
    public void kill() {
        if (process != null) {
            process.kill();
        }
    }

    /** SIGKILL if it runs, then starts again on the same port with other {@code settings}. */
    public void killAndStartWith(List<String> settings) {
        kill();
        persistence = List.copyOf(settings);
        launch();
    }

    /** SIGSTOP: the process stays, answers nothing and does nothing (a replica stopped this way falls behind). */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.handle().pid()))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + signal + " " + this + ": " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@code INFO <section>} as text. */
    public String info(String section) {
        return String.valueOf(command("INFO", section));
    }

    /** One field of {@code INFO <section>} (e.g. {@code rdb_saves}), or null. */
    public String info(String section, String field) {
        for (String line : info(section).split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    /** {@code BGSAVE}, and waits until the snapshot is on disk. */
    public void snapshot() {
        long saves = Long.parseLong(info("persistence", "rdb_saves"));
        command("BGSAVE");
        Await.until(name + " finished BGSAVE", START_TIMEOUT,
                () -> Long.parseLong(info("persistence", "rdb_saves")) > saves
                        && "0".equals(info("persistence", "rdb_bgsave_in_progress")));
        if (!"ok".equals(info("persistence", "rdb_last_bgsave_status"))) {
            throw new AssertionError(name + ": BGSAVE failed: " + info("persistence"));
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
