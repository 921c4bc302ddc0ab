package io.switchboard.demo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * A throw-away Redis for the demo cluster: 127.0.0.1 only, on a free port, nothing persisted.
 * Uses the {@code redis-server} on the PATH when there is one (a current Redis, e.g. 7.x with sharded pub/sub),
 * else the Redis 6.2 binary bundled in embedded-redis.
 */
final class EmbeddedRedis implements AutoCloseable {

    private final RedisServer server;
    private final int port;
    private final String binary;
    private final Process watchdog; // null where there is no /bin/sh

    private EmbeddedRedis(RedisServer server, int port, String binary, Process watchdog) {
        this.server = server;
        this.port = port;
        this.binary = binary;
        this.watchdog = watchdog;
    }

    /** Starts the server and returns once it accepts connections. */
    static EmbeddedRedis start(Path workDirectory) throws IOException {
        ExecutableProvider executable;
        String binary;
        try {
            executable = ExecutableProvider.newExecutableInPath("redis-server");
            binary = "redis-server from the PATH";
        } catch (FileNotFoundException notOnPath) {
            executable = ExecutableProvider.newJarResourceProvider();
            binary = "the Redis bundled in the demo jar";
        }
        int port = Ports.freePort();
        RedisServer server = RedisServer.newRedisServer()
                .executableProvider(executable)
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("dir \"" + workDirectory.toAbsolutePath() + "\"")
                // Drain both pipes so Redis never blocks on a full one; only its complaints are worth showing.
                .soutListener(line -> { })
                .serrListener(line -> Console.warn("[redis] %s", line))
                .build();
        Set<Long> before = childPids();
        server.start();
        Set<Long> started = childPids();
        started.removeAll(before);
        return new EmbeddedRedis(server, port, binary, watchdog(started));
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
    }

    /**
     * redis-server is a process of its own: if the launcher is killed outright (SIGKILL, no shutdown hook),
     * nothing would stop it. A small shell loop outlives the launcher and stops Redis once the launcher is
     * gone; it ends by itself when Redis does. (Workers watch the launcher's pid themselves.)
     */
    private static Process watchdog(Set<Long> redisPids) throws IOException {
        if (redisPids.size() != 1 || !Files.isExecutable(Path.of("/bin/sh"))) {
            Console.warn("Redis runs as a separate process; stop it yourself if this launcher is killed with SIGKILL");
            return null;
        }
        long redis = redisPids.iterator().next();
        long launcher = ProcessHandle.current().pid();
        String loop = "while kill -0 " + launcher + " 2>/dev/null && kill -0 " + redis + " 2>/dev/null; do sleep 1; done; "
                + "kill -0 " + launcher + " 2>/dev/null || kill " + redis + " 2>/dev/null";
        return new ProcessBuilder("/bin/sh", "-c", loop)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    String binary() {
        return binary;
    }

    @Override
    public void close() throws IOException {
        if (watchdog != null) {
            watchdog.destroy(); // stopped first: it must never signal a pid that Redis no longer holds
        }
        server.stop();
    }
}
