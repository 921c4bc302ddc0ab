package io.switchboard.it.support;

import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import io.switchboard.testkit.ws.WsConnector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What most cluster ITs share, as a JUnit 5 extension on a static field:
 * <pre>
 * &#64;RegisterExtension
 * static final ClusterFixture cluster = ClusterFixture.of(3);
 * </pre>
 * Before the class's tests: a private redis-server ({@code <name>-redis}) and a {@link Cluster} of that many
 * nodes on it ({@code <name>-node-<i>} logs), the name being the test class's simple name unless
 * {@link #named} says otherwise. After each test: the WebSocket clients the test opened through
 * {@link #connect} and whatever it gave to {@link #keep} are closed. After the class: the cluster, then Redis,
 * whatever happened (also when starting them failed half-way).
 *
 * <p>Configured before the class starts, then used by the test thread only.
 */
public final class ClusterFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private final int size;
    private String name;
    private Map<String, String> properties = Map.of();

    private final WsClients clients = new WsClients();
    private final Resources perTest = new Resources();
    private long startedAt;
    private RedisServerProcess redis;
    private Cluster cluster;

    private ClusterFixture(int size) {
        this.size = size;
    }

    /** A fixture of {@code nodes} nodes on one Redis. */
    public static ClusterFixture of(int nodes) {
        return new ClusterFixture(nodes);
    }

    /** The name of the processes and their logs, instead of the test class's simple name. */
    public ClusterFixture named(String value) {
        this.name = value;
        return this;
    }

    /** Extra system properties for every node ({@code switchboard.*} settings). */
    public ClusterFixture properties(Map<String, String> values) {
        this.properties = Map.copyOf(values);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startedAt = System.nanoTime();
        String processes = name != null ? name : context.getRequiredTestClass().getSimpleName();
        redis = RedisServerProcess.start(processes + "-redis");
        cluster = Cluster.start(processes, size, redis, properties);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.close();
        perTest.close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        clients.close();
        perTest.close();
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    // ---- the cluster -------------------------------------------------------------------------------

    /** The redis-server the nodes share. */
    public RedisServerProcess redis() {
        return redis;
    }

    /** Node {@code i}, counting from 1 like the node ids. */
    public ServerNode node(int i) {
        return cluster.node(i);
    }

    public List<ServerNode> nodes() {
        return cluster.nodes();
    }

    /** See {@link Cluster#replace(int)}: a test that killed or stopped a node leaves the class a whole cluster. */
    public ServerNode replace(int i) {
        return cluster.replace(i);
    }

    /** The bearer token of the HTTP API. */
    public String apiToken() {
        return cluster.apiToken();
    }

    /** The secret that signs client tokens. */
    public String tokenSecret() {
        return cluster.tokenSecret();
    }

    /** A client token of {@code user}, valid for an hour. */
    public String token(String user) {
        return ClientToken.mint(cluster.tokenSecret(), user);
    }

    /** How long ago the fixture began starting Redis: for reports that time the whole class. */
    public Duration sinceStart() {
        return Duration.ofNanos(System.nanoTime() - startedAt);
    }

    // ---- what a test opens, closed after it --------------------------------------------------------

    /** An anonymous WebSocket client of node {@code i}, welcomed; closed after the test. */
    public WsClient connect(int i) {
        return clients.connect(node(i).ws());
    }

    /** A WebSocket client of node {@code i} with a token of {@code user}, welcomed; closed after the test. */
    public WsClient connect(int i, String user) {
        return clients.connect(node(i).ws().token(token(user)));
    }

    /** A WebSocket client configured by {@code connector}, welcomed; closed after the test. */
    public WsClient connect(WsConnector connector) {
        return clients.connect(connector);
    }

    /** An anonymous client of node {@code i} subscribed to {@code channel} (its {@code subscribed} received). */
    public WsClient subscriber(int i, String channel) {
        WsClient client = connect(i);
        client.subscribe(channel);
        return client;
    }

    /** Registers {@code resource} (another kind of client, a process) to be closed after the test; returns it. */
    public <T extends AutoCloseable> T keep(T resource) {
        return perTest.keep(resource);
    }
}
