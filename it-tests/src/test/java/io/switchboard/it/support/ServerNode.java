package io.switchboard.it.support;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.sse.SseClient;
import io.switchboard.testkit.sse.SseConnector;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsConnector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One worker JVM of the demo jar ({@code io.switchboard.demo.Worker}): an embedded Tomcat serving the
 * sample WAR on 127.0.0.1, with its output in {@code <test>-node-<i>.log}.
 */
public final class ServerNode implements AutoCloseable {

    private static final String WORKER_MAIN = "io.switchboard.demo.Worker";

    private final String id;
    private final int port;
    private final String apiToken;
    private final ChildProcess process;

    private ServerNode(String id, int port, String apiToken, ChildProcess process) {
        this.id = id;
        this.port = port;
        this.apiToken = apiToken;
        this.process = process;
    }

    /**
     * Starts the JVM and returns at once; see {@link #awaitHealthy(Duration)}.
     *
     * @param properties extra {@code -Dswitchboard.*} (or other) system properties for the worker
     */
    static ServerNode launch(String logName, String id, String redisUrl, String apiToken, String tokenSecret,
                             Map<String, String> properties) {
        return launch(logName, id, FreePorts.one(), redisUrl, apiToken, tokenSecret, properties);
    }

    /** Like {@link #launch(String, String, String, String, String, Map)}, on a port chosen by the caller. */
    static ServerNode launch(String logName, String id, int port, String redisUrl, String apiToken, String tokenSecret,
                             Map<String, String> properties) {
        List<String> command = new ArrayList<>(List.of(Artifacts.java(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                // Let Tomcat's leak detection see thread-locals at undeploy, so a leak shows up as
                // a SEVERE line that the shutdown test refuses.
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-cp", Artifacts.demoJar().toString(), WORKER_MAIN,
                "--port", Integer.toString(port), "--node", id, "--api-token", apiToken,
                "--token-secret", tokenSecret));
        if (redisUrl != null) {
            command.addAll(List.of("--redis", redisUrl));
        }
        return new ServerNode(id, port, apiToken, ChildProcess.start(id, command, LogFile.named(logName)));
    }

    /** Waits until {@code GET /switchboard/api/health} answers 200; fails with the log's tail otherwise. */
    void awaitHealthy(Duration timeout) {
        try {
            Await.until(id + " healthy on " + baseUri(), timeout, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(id + " exited with " + process.exitValue() + " before it was healthy; log "
                            + log() + ":\n" + log().tail(60));
                }
                return health();
            }, status -> status == 200);
        } catch (AssertionError e) {
            if (process.isAlive()) {
                throw new AssertionError(e.getMessage() + "; log " + log() + ":\n" + log().tail(60), e);
            }
            throw e;
        }
    }

    /** {@code GET /switchboard/api/health}: its status, or -1 when the node does not answer. */
    public int health() {
        try {
            return api().health().status();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** The node id given with {@code --node} (e.g. {@code node-1}). */
    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The HTTP API of this node, with the cluster's API token. */
    public ApiClient api() {
        return ApiClient.of(baseUri(), apiToken);
    }

    /** A WebSocket connection to this node, to configure before connecting. */
    public WsConnector ws() {
        return WsClient.to(baseUri());
    }

    /** An SSE connection to this node (its stream; its requests POSTed here unless told otherwise), to configure. */
    public SseConnector sse() {
        return SseClient.to(baseUri());
    }

    /** An anonymous WebSocket connection with this node's own Origin, welcomed. */
    public WsClient connect() {
        try {
            return ws().connect();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + id, e);
        }
    }

    public LogFile log() {
        return process.log();
    }

    public ProcessHandle handle() {
        return process.handle();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM (a graceful shutdown), waits for the exit and returns the exit code. */
    public int stop() {
        return process.stop(Duration.ofSeconds(30));
    }

    /** SIGKILL: the node vanishes without closing anything. */
    public void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return id + " " + baseUri();
    }
}
