package io.switchboard.it.support;

import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real {@code redis-server} process on a free port of 127.0.0.1, without persistence. Uses the binary
 * on the PATH; only where there is none, the one bundled in embedded-redis. Never touches a Redis the
 * machine runs itself (6379).
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final String name;
    private final int port;
    private final String executable;
    private ChildProcess process;

    private RedisServerProcess(String name, int port, String executable) {
        this.name = name;
        this.port = port;
        this.executable = executable;
    }

    /** Starts a redis-server whose output goes to {@code <name>.log} in the log directory. */
    public static RedisServerProcess start(String name) {
        RedisServerProcess redis = new RedisServerProcess(name, FreePorts.one(), findExecutable());
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

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    private void launch() {
        LogFile log = LogFile.named(name);
        process = ChildProcess.start(name, List.of(executable,
                "--port", Integer.toString(port),
                "--bind", HOST,
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no"), log);
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
