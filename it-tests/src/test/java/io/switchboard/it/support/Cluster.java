package io.switchboard.it.support;

import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * N worker JVMs sharing one Redis: {@code node-1} ... {@code node-N}, started together (JVM start-up
 * dominates, so they boot in parallel) and all stopped by {@link #close()}, whatever happened.
 */
public final class Cluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final List<ServerNode> nodes;
    private final String apiToken;
    private final String tokenSecret;
    private final String name;
    private final String redisUrl;
    private final Map<String, String> properties;
    private int replacements;

    private Cluster(String name, List<ServerNode> nodes, String apiToken, String tokenSecret, String redisUrl,
                    Map<String, String> properties) {
        this.name = name;
        this.nodes = nodes;
        this.apiToken = apiToken;
        this.tokenSecret = tokenSecret;
        this.redisUrl = redisUrl;
        this.properties = properties;
    }

    /** {@code size} nodes on {@code redis}, with a fresh API token; logs {@code <name>-node-<i>.log}. */
    public static Cluster start(String name, int size, RedisServerProcess redis) {
        return start(name, size, redis, Map.of());
    }

    /** Like {@link #start(String, int, RedisServerProcess)}, with extra system properties for every node. */
    public static Cluster start(String name, int size, RedisServerProcess redis, Map<String, String> properties) {
        return start(name, size, redis, baseUris -> properties);
    }

    /**
     * Like {@link #start(String, int, RedisServerProcess, Map)}, with system properties that depend on where the
     * nodes will listen: the ports are chosen first, {@code properties} gets the nodes' base URIs
     * ({@code http://127.0.0.1:<port>}, node 1 first), e.g. to let each node accept the others' page Origins.
     */
    public static Cluster start(String name, int size, RedisServerProcess redis,
                                Function<List<URI>, Map<String, String>> properties) {
        return start(name, size, redis.url(), properties);
    }

    /**
     * {@code size} nodes that connect through a Redisson YAML file ({@code switchboard.redisson-config}: a
     * Redis Cluster, a Sentinel-managed pair), with extra system properties for every node.
     */
    public static Cluster startWithRedissonConfig(String name, int size, Path redissonYaml, Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.put("switchboard.redisson-config", redissonYaml.toAbsolutePath().toString());
        return start(name, size, (String) null, baseUris -> all);
    }

    /**
     * Like {@link #start(String, int, RedisServerProcess, Map)}, with more system properties for some nodes only
     * ({@code perNode}: by node number, counting from 1), e.g. to open JMX on one of them.
     */
    public static Cluster start(String name, int size, RedisServerProcess redis, Map<String, String> properties,
                                Map<Integer, Map<String, String>> perNode) {
        return start(name, size, redis.url(), baseUris -> properties, perNode);
    }

    private static Cluster start(String name, int size, String redisUrl, Function<List<URI>, Map<String, String>> properties) {
        return start(name, size, redisUrl, properties, Map.of());
    }

    private static Cluster start(String name, int size, String redisUrl, Function<List<URI>, Map<String, String>> properties,
                                 Map<Integer, Map<String, String>> perNode) {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(FreePorts.one());
        }
        Map<String, String> nodeProperties = properties.apply(
                ports.stream().map(port -> URI.create("http://127.0.0.1:" + port)).collect(Collectors.toList()));
        // The module refuses secrets shorter than 32 bytes.
        String apiToken = "it-api-token-" + randomHex();
        String tokenSecret = "it-token-secret-" + randomHex();
        long started = System.nanoTime();
        List<ServerNode> nodes = new ArrayList<>();
        Cluster cluster = new Cluster(name, nodes, apiToken, tokenSecret, redisUrl, nodeProperties);
        try {
            for (int i = 1; i <= size; i++) {
                String id = "node-" + i;
                Map<String, String> own = new HashMap<>(nodeProperties);
                own.putAll(perNode.getOrDefault(i, Map.of()));
                nodes.add(ServerNode.launch(name + "-" + id, id, ports.get(i - 1), redisUrl, apiToken, tokenSecret, own));
            }
            for (ServerNode node : nodes) {
                node.awaitHealthy(START_TIMEOUT);
            }
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        LOG.info("{}: {} nodes healthy in {} ms: {}", name, size, (System.nanoTime() - started) / 1_000_000, nodes);
        return cluster;
    }

    /** Node {@code i}, counting from 1 like the node ids. */
    public ServerNode node(int i) {
        return nodes.get(i - 1);
    }

    public List<ServerNode> nodes() {
        return List.copyOf(nodes);
    }

    public int size() {
        return nodes.size();
    }

    /**
     * Stops node {@code i} if it still runs and starts a new JVM in its place (same id, port and settings, a log
     * of its own), e.g. after a scenario killed it, so that the next scenario finds the cluster whole again.
     */
    public ServerNode replace(int i) {
        ServerNode old = nodes.get(i - 1);
        old.close();
        replacements++;
        ServerNode fresh = ServerNode.launch(name + "-" + old.id() + "-replacement-" + replacements, old.id(), old.port(),
                redisUrl, apiToken, tokenSecret, properties);
        nodes.set(i - 1, fresh);
        fresh.awaitHealthy(START_TIMEOUT);
        return fresh;
    }

    /** The bearer token of the HTTP API. */
    public String apiToken() {
        return apiToken;
    }

    /** The secret that signs client tokens ({@code switchboard.token-secret}). */
    public String tokenSecret() {
        return tokenSecret;
    }

    private static String randomHex() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** Stops every node still running (SIGTERM, then SIGKILL if one lingers). */
    @Override
    public void close() {
        nodes.forEach(node -> node.handle().destroy());
        for (ServerNode node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                LOG.warn("could not stop {}", node, e);
            }
        }
    }
}
