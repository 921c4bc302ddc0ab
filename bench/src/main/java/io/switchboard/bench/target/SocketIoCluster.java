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
public final class SocketIoCluster implements Cluster {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChildProcess primary;
    private final List<InetSocketAddress> nodes;
    private final List<Long> workerPids = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private SocketIoCluster(ChildProcess primary, List<InetSocketAddress> nodes) {
        this.primary = primary;
        this.nodes = nodes;
    }

    public static SocketIoCluster start(int count, Path baselineDir, RedisServer redis, Path logDir) throws IOException {
        if (!baselineDir.resolve("node_modules/socket.io").toFile().isDirectory()) {
            throw new IOException("the baseline's packages are missing: run npm install in " + baselineDir);
        }
        int base = Ports.freeRange(count);
        ChildProcess primary = ChildProcess.start("socketio", List.of("node", "server.js", "--nodes", String.valueOf(count),
                "--port", String.valueOf(base), "--redis", redis.url()), baselineDir, Map.of(), logDir.resolve("socketio.log"));
        List<InetSocketAddress> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(new InetSocketAddress("127.0.0.1", base + i));
        }
        SocketIoCluster cluster = new SocketIoCluster(primary, nodes);
        try {
            primary.awaitLine(line -> line.startsWith("BASELINE READY"), Duration.ofSeconds(60));
            for (InetSocketAddress node : nodes) {
                cluster.workerPids.add(cluster.stats(node).path("pid").asLong());
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
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

    @Override
    public String system() {
        return "socketio";
    }

    @Override
    public List<InetSocketAddress> nodes() {
        return nodes;
    }

    @Override
    public List<Long> serverPids() {
        List<Long> pids = new ArrayList<>(workerPids);
        pids.add(primary.pid());
        return pids;
    }

    @Override
    public long heapAfterGc() throws IOException {
        long sum = 0;
        for (InetSocketAddress node : nodes) {
            sum += stats(node).path("heapUsed").asLong();
        }
        return sum;
    }

    @Override
    public void close() {
        primary.close();
    }
}
