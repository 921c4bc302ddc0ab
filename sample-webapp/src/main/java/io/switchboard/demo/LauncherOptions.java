package io.switchboard.demo;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * What the demo launcher was asked to run.
 *
 * <p>The Redis URL and the API token come from the option, else the system property
 * ({@code switchboard.redis}, {@code switchboard.api-token}), else the environment variable
 * ({@code SWITCHBOARD_REDIS}, {@code SWITCHBOARD_API_TOKEN}): the same order the module itself uses.
 *
 * @param nodes    how many worker processes
 * @param port     the first worker's port; worker {@code i} (from 0) listens on {@code port + i}
 * @param redisUrl the Redis to use, or {@code null} to start an embedded one
 * @param apiToken the API token, or {@code null} to generate one for this run
 * @param help     only print the usage
 */
record LauncherOptions(int nodes, int port, String redisUrl, String apiToken, boolean help) {

    static final int DEFAULT_NODES = 3;
    static final int DEFAULT_PORT = 8080;
    static final int MAX_NODES = 32;

    static final String USAGE = """
            Usage: java -jar switchboard-demo.jar [--nodes N] [--port P] [--redis URL] [--api-token T]

            Runs N Switchboard sample servers (embedded Tomcat, one process each) on 127.0.0.1:P .. P+N-1,
            sharing one Redis, and prints "READY <url> <url> ..." once all of them answer their health check.

              --nodes N        number of server processes (default 3, at most 32)
              --port P         port of the first server (default 8080)
              --redis URL      Redis to use, e.g. redis://127.0.0.1:6379 (default: $SWITCHBOARD_REDIS,
                               else an embedded Redis on a free port, stopped with the launcher)
              --api-token T    token for the HTTP API (Authorization: Bearer T) (default: $SWITCHBOARD_API_TOKEN,
                               else a random token nobody is told; set one to publish through the API)
              -h, --help       print this help

            Other -Dswitchboard.* system properties given to this JVM are passed on to every server.
            Ctrl-C stops the servers and the embedded Redis.""";

    static LauncherOptions parse(String[] args, Map<String, String> environment, Properties systemProperties) {
        CommandLine line = CommandLine.parse(args, Set.of("nodes", "port", "redis", "api-token"), Set.of("help"));
        int nodes = line.intValue("nodes", DEFAULT_NODES, 1, MAX_NODES);
        int port = line.intValue("port", DEFAULT_PORT, 1, 65535);
        if (port + nodes - 1 > 65535) {
            throw new UsageException("--port " + port + " leaves no room for " + nodes + " nodes below port 65535");
        }
        String redisUrl = line.value("redis")
                .or(() -> nonBlank(systemProperties.getProperty("switchboard.redis")))
                .or(() -> nonBlank(environment.get("SWITCHBOARD_REDIS")))
                .map(String::trim)
                .orElse(null);
        if (redisUrl != null && !redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://")) {
            throw new UsageException("the Redis URL must start with redis:// or rediss://, got '" + redisUrl + "'");
        }
        String apiToken = line.value("api-token")
                .or(() -> nonBlank(systemProperties.getProperty("switchboard.api-token")))
                .or(() -> nonBlank(environment.get("SWITCHBOARD_API_TOKEN")))
                .orElse(null);
        if (apiToken != null && apiToken.isBlank()) {
            throw new UsageException("--api-token must not be blank");
        }
        return new LauncherOptions(nodes, port, redisUrl, apiToken, line.has("help"));
    }

    Optional<String> redis() {
        return Optional.ofNullable(redisUrl);
    }

    Optional<String> token() {
        return Optional.ofNullable(apiToken);
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "LauncherOptions[nodes=" + nodes + ", port=" + port + ", redis=" + (redisUrl == null ? "embedded" : "given")
                + ", apiToken=" + (apiToken == null ? "generated" : "given") + ", help=" + help + "]";
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }
}
