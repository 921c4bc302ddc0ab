package io.switchboard.demo;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;

/**
 * What one worker was asked to run.
 *
 * @param port      the HTTP port on 127.0.0.1
 * @param nodeId    the node id the module reports, or {@code null} for the module's default
 * @param redisUrl  becomes {@code switchboard.redis}, or {@code null} to leave the module's configuration alone
 * @param apiToken  becomes {@code switchboard.api-token}, or {@code null} likewise
 * @param tokenSecret becomes {@code switchboard.token-secret}, or {@code null} likewise
 * @param watchPid  a process whose end stops this worker (the launcher), or 0
 * @param help      only print the usage
 */
record WorkerOptions(int port, String nodeId, String redisUrl, String apiToken, String tokenSecret, long watchPid,
                     boolean help) {

    static final String USAGE = """
            Usage: java [-Dswitchboard.*=...] -cp switchboard-demo.jar io.switchboard.demo.Worker
                        --port P [--node ID] [--redis URL] [--api-token T] [--token-secret S] [--watch-pid PID]

            Serves the Switchboard sample web application at http://127.0.0.1:P/ with an embedded Tomcat.
              --port P         HTTP port on 127.0.0.1
              --node ID        node id (system property switchboard.node-id)
              --redis URL      Redis URL (system property switchboard.redis)
              --api-token T    HTTP API token (system property switchboard.api-token)
              --token-secret S client token secret (system property switchboard.token-secret)
              --watch-pid PID  stop when process PID ends (the launcher passes its own pid)
            Prints "WORKER READY <port>" once serving; stops gracefully and exits 0 on SIGTERM.""";

    static WorkerOptions parse(String[] args) {
        CommandLine line = CommandLine.parse(args, Set.of("port", "node", "redis", "api-token", "token-secret", "watch-pid"), Set.of("help"));
        if (line.has("help")) {
            return new WorkerOptions(0, null, null, null, null, 0, true);
        }
        if (!line.has("port")) {
            throw new UsageException("--port is required");
        }
        int port = line.intValue("port", 0, 1, 65535);
        long watchPid = line.value("watch-pid").map(WorkerOptions::pid).orElse(0L);
        return new WorkerOptions(port, line.value("node").orElse(null), line.value("redis").orElse(null),
                line.value("api-token").orElse(null), line.value("token-secret").orElse(null), watchPid, false);
    }

    /** Hands the given settings to the module, which reads them as system properties; absent ones are left alone. */
    void applyTo(Properties systemProperties) {
        node().ifPresent(id -> systemProperties.setProperty("switchboard.node-id", id));
        Optional.ofNullable(redisUrl).ifPresent(url -> systemProperties.setProperty("switchboard.redis", url));
        Optional.ofNullable(apiToken).ifPresent(token -> systemProperties.setProperty("switchboard.api-token", token));
        Optional.ofNullable(tokenSecret).ifPresent(secret -> systemProperties.setProperty("switchboard.token-secret", secret));
    }

    Optional<String> node() {
        return Optional.ofNullable(nodeId);
    }

    OptionalLong watchedProcess() {
        return watchPid > 0 ? OptionalLong.of(watchPid) : OptionalLong.empty();
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "WorkerOptions[port=" + port + ", node=" + nodeId + ", redis=" + (redisUrl == null ? "-" : "given")
                + ", apiToken=" + (apiToken == null ? "-" : "given") + ", tokenSecret=" + (tokenSecret == null ? "-" : "given")
                + ", watchPid=" + watchPid + "]";
    }

    private static long pid(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--watch-pid must be a process id, got '" + text + "'");
        }
    }
}
