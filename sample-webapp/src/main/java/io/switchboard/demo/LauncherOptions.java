package io.switchboard.demo;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * What the demo launcher was asked to run.
 *
 * <p>The Redis URL, the API token and the token secret come from the option, else the system property
 * ({@code switchboard.redis}, {@code switchboard.api-token}, {@code switchboard.token-secret}), else the
 * environment variable ({@code SWITCHBOARD_REDIS}, {@code SWITCHBOARD_API_TOKEN},
 * {@code SWITCHBOARD_TOKEN_SECRET}): the same order the module itself uses.
 *
 * @param nodes    how many worker processes
 * @param port     the first worker's port; worker {@code i} (from 0) listens on {@code port + i}
 * @param redisUrl the Redis to use, or {@code null} to start an embedded one
 * @param apiToken the API token, or {@code null} to generate one for this run
 * @param tokenSecret the secret that signs client tokens, or {@code null} to generate one for this run
 * @param help     only print the usage
 */
record LauncherOptions(int nodes, int port, String redisUrl, String apiToken, String tokenSecret, boolean help) {

    static final int DEFAULT_NODES = 3;
    static final int DEFAULT_PORT = 8080;
    static final int MAX_NODES = 32;
    /** The module refuses shorter secrets at startup; saying so here names the option instead. */
    static final int MIN_SECRET_BYTES = 32;

    static final String USAGE = """
            Usage: java -jar switchboard-demo.jar [--nodes N] [--port P] [--redis URL] [--api-token T]
                                                  [--token-secret S]

            Runs N Switchboard sample servers (embedded Tomcat, one process each) on 127.0.0.1:P .. P+N-1,
            sharing one Redis, and prints "READY <url> <url> ..." once all of them answer their health check.

              --nodes N        number of server processes (default 3, at most 32)
              --port P         port of the first server (default 8080)
              --redis URL      Redis to use, e.g. redis://127.0.0.1:6379 (default: $SWITCHBOARD_REDIS,
                               else an embedded Redis on a free port, stopped with the launcher)
              --api-token T    token for the HTTP API (Authorization: Bearer T) (default: $SWITCHBOARD_API_TOKEN,
                               else a random token nobody is told; set one to publish through the API);
                               at least 32 bytes, e.g. $(openssl rand -base64 32)
              --token-secret S HMAC secret of client tokens (?token=...) (default: $SWITCHBOARD_TOKEN_SECRET,
                               else a random secret nobody is told); at least 32 bytes
              -h, --help       print this help

            Other -Dswitchboard.* system properties given to this JVM are passed on to every server.
            Ctrl-C stops the servers and the embedded Redis.""";

    static LauncherOptions parse(String[] args, Map<String, String> environment, Properties systemProperties) {
        CommandLine line = CommandLine.parse(args, Set.of("nodes", "port", "redis", "api-token", "token-secret"), Set.of("help"));
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
        checkSecret("--api-token", apiToken);
        String tokenSecret = line.value("token-secret")
                .or(() -> nonBlank(systemProperties.getProperty("switchboard.token-secret")))
                .or(() -> nonBlank(environment.get("SWITCHBOARD_TOKEN_SECRET")))
                .orElse(null);
        checkSecret("--token-secret", tokenSecret);
        return new LauncherOptions(nodes, port, redisUrl, apiToken, tokenSecret, line.has("help"));
    }

    /** Names the length, never the value. */
    private static void checkSecret(String option, String value) {
        if (value == null) {
            return;
        }
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (value.isBlank() || bytes < MIN_SECRET_BYTES) {
            throw new UsageException(option + " must be at least " + MIN_SECRET_BYTES + " bytes, got " + bytes
                    + " (for example $(openssl rand -base64 32))");
        }
    }

    Optional<String> redis() {
        return Optional.ofNullable(redisUrl);
    }

    Optional<String> token() {
        return Optional.ofNullable(apiToken);
    }

    Optional<String> secret() {
        return Optional.ofNullable(tokenSecret);
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "LauncherOptions[nodes=" + nodes + ", port=" + port + ", redis=" + (redisUrl == null ? "embedded" : "given")
                + ", apiToken=" + (apiToken == null ? "generated" : "given")
                + ", tokenSecret=" + (tokenSecret == null ? "generated" : "given") + ", help=" + help + "]";
    }

    private static Optional<String> nonBlank(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value);
    }
}
