package io.switchboard.bench.target;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The baseline: {@code bench/baseline-socketio/server.js}, a Node cluster primary forking N workers, each
 * Socket.IO 4 with the Redis adapter on its own port. The workers' pids and heaps come from their
 * {@code /bench/stats}.
 */
public final class SocketIoCluster extends ChildProcessCluster {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Long> workerPids = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private SocketIoCluster() {
        super("socketio");
    }

    public static SocketIoCluster start(int count, Path baselineDir, RedisServer redis, Path logDir) throws IOException {
        if (!baselineDir.resolve("node_modules/socket.io").toFile().isDirectory()) {
            throw new IOException("the baseline's packages are missing: run npm install in " + baselineDir);
        }
        int base = Ports.freeRange(count);
        return startOrClose(new SocketIoCluster(), cluster -> {
            cluster.start("socketio", List.of("node", "server.js", "--nodes", String.valueOf(count),
                    "--port", String.valueOf(base), "--redis", redis.url()), baselineDir, Map.of(), logDir.resolve("socketio.log"));
            for (int i = 0; i < count; i++) {
                cluster.addNode(base + i);
            }
            cluster.awaitReadyLine("BASELINE READY", Duration.ofSeconds(60));
            for (InetSocketAddress node : cluster.nodes()) {
                cluster.workerPids.add(cluster.stats(node).path("pid").asLong());
            }
        });
    }

    private JsonNode stats(InetSocketAddress node) throws IOException {
        URI uri = URI.create("http://127.0.0.1:" + node.getPort() + "/bench/stats");
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException(uri + " answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The forked workers, then the primary. */
    @Override
    public List<Long> serverPids() {
        List<Long> pids = new ArrayList<>(workerPids);
        pids.addAll(super.serverPids());
        return pids;
    }

    @Override
    public long heapAfterGc() throws IOException {
        long sum = 0;
        for (InetSocketAddress node : nodes()) {
            sum += stats(node).path("heapUsed").asLong();
        }
        return sum;
    }
}
