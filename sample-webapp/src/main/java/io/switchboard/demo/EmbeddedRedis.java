package io.switchboard.demo;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Path;

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

    private EmbeddedRedis(RedisServer server, int port, String binary) {
        this.server = server;
        this.port = port;
        this.binary = binary;
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
        server.start();
        return new EmbeddedRedis(server, port, binary);
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    String binary() {
        return binary;
    }

    @Override
    public void close() throws IOException {
        server.stop();
    }
}
