package io.switchboard.it;

import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.RawWebSocket;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.PrometheusText;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three worker JVMs on one real redis-server, each asked for its metrics ({@code GET /switchboard/api/metrics},
 * parsed as Prometheus text) before and after known traffic: each node counts exactly what happened on it, the
 * deliveries to its own subscribers, the publishes that came in through its doors, the connections it saw close
 * with each code. Node 1 also exports through JMX ({@code switchboard.metrics=jmx}), read here over a real JMX
 * connection to its JVM (remote JMX on a loopback port), which shows the same count.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

    private static final int NODES = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** A small byte bound on the send queues, so that a client that stops reading is closed soon. */
    private static final int SEND_QUEUE_BYTES = 64 * 1024;

    private RedisServerProcess redis;
    private Cluster cluster;
    private int jmxPort;
    private final WsClients clients = new WsClients();

    @BeforeAll
    void startCluster() {
        redis = RedisServerProcess.start("MetricsIT-redis");
        jmxPort = FreePorts.one();
        cluster = Cluster.start("MetricsIT", NODES, redis,
                Map.of("switchboard.send-queue-bytes", String.valueOf(SEND_QUEUE_BYTES)),
                Map.of(1, Map.of(
                        "switchboard.metrics", "jmx",
                        "com.sun.management.jmxremote.port", String.valueOf(jmxPort),
                        "com.sun.management.jmxremote.rmi.port", String.valueOf(jmxPort),
                        "com.sun.management.jmxremote.host", "127.0.0.1",
                        "java.rmi.server.hostname", "127.0.0.1",
                        "com.sun.management.jmxremote.authenticate", "false",
                        "com.sun.management.jmxremote.ssl", "false")));
    }

    @AfterEach
    void closeClients() {
        clients.close();
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void eachNodesMetricsCountItsDeliveriesItsPublishesByDoorAndItsClosesByCode() throws Exception {
        String channel = "metrics." + Long.toHexString(System.nanoTime());
        // 1, 2 and 3 subscribers on nodes 1, 2 and 3.
        Map<Integer, List<WsClient>> subscribers = new HashMap<>();
        for (int i = 1; i <= NODES; i++) {
            for (int k = 0; k < i; k++) {
                WsClient client = clients.connect(cluster.node(i).ws());
                client.subscribe(channel);
                subscribers.computeIfAbsent(i, ignored -> new java.util.ArrayList<>()).add(client);
            }
        }
        String user = "metrics-user-" + Long.toHexString(System.nanoTime());
        WsClient kicked = clients.connect(cluster.node(2).ws().token(ClientToken.mint(cluster.tokenSecret(), user)));
        WsClient leaving = clients.connect(cluster.node(3).ws());
        Map<Integer, PrometheusText> before = scrapeAll();

        // Through the HTTP API of node 1: 4 events on the channel everyone subscribed to.
        for (int n = 0; n < 4; n++) {
            cluster.node(1).api().publishAccepted(channel, "tick", Map.of("n", n));
        }
        // Through the Java API on node 2: the sample's trigger form publishes on 'news' (no subscriber here).
        for (int n = 0; n < 2; n++) {
            ApiResponse trigger = cluster.node(2).api().postForm("/trigger", Map.of("message", "metrics " + n));
            assertThat(trigger.status()).as("trigger %s", trigger).isEqualTo(200);
        }
        // From a browser's socket on node 3: 3 publishes on a chat channel (switchboard.client-publish chat.*).
        WsClient browser = subscribers.get(3).get(0);
        for (int n = 0; n < 3; n++) {
            assertThat(browser.publish("chat.metrics", "said", Map.of("n", n)).path("op").asText()).isEqualTo("published");
        }
        // A client of node 3 leaves (1000); node 1 disconnects a user whose session is on node 2 (4403).
        leaving.close();
        assertThat(cluster.node(1).api().post("/switchboard/api/users/" + user + "/disconnect", "{}").status()).isEqualTo(202);
        assertThat(kicked.awaitClose().code()).isEqualTo(4403);
        for (List<WsClient> onNode : subscribers.values()) {
            for (WsClient client : onNode) {
                client.awaitEvents(channel, 4, TIMEOUT);
            }
        }

        Map<Integer, PrometheusText> after = awaitCounted(Map.of(
                3, text -> text.sum("switchboard_closes_total", "code", "1000", "side", "client") >= 1,
                2, text -> text.sum("switchboard_closes_total", "code", "4403", "side", "server") >= 1), before);
        for (int i = 1; i <= NODES; i++) {
            String node = "node-" + i;
            Delta delta = new Delta(before.get(i), after.get(i), node);
            assertThat(delta.of("switchboard_deliveries_total")).as("deliveries on %s: 4 events x %d subscribers", node, i)
                    .isEqualTo(4.0 * i);
            assertThat(delta.of("switchboard_delivery_lag_seconds_count")).as("events whose lag %s measured", node)
                    .isEqualTo(4);
            assertThat(delta.of("switchboard_publishes_total", "door", "api")).as("API publishes on %s", node)
                    .isEqualTo(i == 1 ? 4 : 0);
            assertThat(delta.of("switchboard_publishes_total", "door", "java")).as("Java publishes on %s", node)
                    .isEqualTo(i == 2 ? 2 : 0);
            assertThat(delta.of("switchboard_publishes_total", "door", "browser")).as("browser publishes on %s", node)
                    .isEqualTo(i == 3 ? 3 : 0);
            assertThat(delta.of("switchboard_publish_latency_seconds_count")).as("publish latencies timed on %s", node)
                    .isEqualTo(i == 1 ? 4 : i == 2 ? 2 : 3);
            assertThat(delta.of("switchboard_closes_total", "code", "1000", "side", "client")).as("1000 closes on %s", node)
                    .isEqualTo(i == 3 ? 1 : 0);
            assertThat(delta.of("switchboard_closes_total", "code", "4403", "side", "server")).as("4403 closes on %s", node)
                    .isEqualTo(i == 2 ? 1 : 0);
            assertThat(after.get(i).sum("switchboard_connections", "transport", "websocket", "node", node))
                    .as("open connections of %s", node).isEqualTo(i);
            assertThat(after.get(i).sum("switchboard_subscriptions", "transport", "websocket")).isEqualTo(i);
            assertThat(after.get(i).sum("switchboard_bus_up", "bus", "redis")).isEqualTo(1);
            assertThat(after.get(i).sum("switchboard_bus_round_trip_seconds_count")).as("bus pings of %s", node).isPositive();
        }

        // The same count through JMX, in node 1's JVM.
        double prometheusDeliveries = scrape(cluster.node(1)).sum("switchboard_deliveries_total");
        try (JMXConnector jmx = JMXConnectorFactory.connect(
                new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"))) {
            MBeanServerConnection server = jmx.getMBeanServerConnection();
            assertThat(server.getAttribute(new ObjectName("switchboard", "type", "Node"), "NodeId")).isEqualTo("node-1");
            Set<ObjectName> deliveries = server.queryNames(new ObjectName("switchboard:name=switchboardDeliveries*,*"), null);
            assertThat(deliveries).as("delivery MBeans among %s", server.queryNames(new ObjectName("switchboard:*"), null))
                    .hasSize(1);
            Number viaJmx = (Number) server.getAttribute(deliveries.iterator().next(), "Count");
            assertThat(viaJmx.doubleValue()).isEqualTo(prometheusDeliveries).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void aClientThatStopsReadingIsCountedAsASlowConsumerClosedWith1013ByTheNode() {
        ServerNode node = cluster.node(3);
        String ballast = "metrics.ballast." + Long.toHexString(System.nanoTime());
        PrometheusText before = scrape(node);
        try (RawWebSocket slow = RawWebSocket.open(node, 4096)) {
            slow.sendText("{\"op\":\"subscribe\",\"channel\":\"" + ballast + "\",\"id\":1}");
            Await.until(node + " listening on " + ballast, TIMEOUT,
                    () -> redis.subscriberCount("switchboard:ch:" + ballast), count -> count == 1);
            String filler = "x".repeat(60 * 1024);
            // Large events until the node gives up on the client: the kernel's buffers fill, then its send queue.
            Await.until("node 3 counting a slow consumer", TIMEOUT, () -> {
                node.api().publishAccepted(ballast, "ballast", Map.of("filler", filler));
                return scrape(node);
            }, text -> text.sum("switchboard_slow_consumer_closes_total") > before.sum("switchboard_slow_consumer_closes_total"));
        }
        PrometheusText after = awaitOn(node, text -> text.sum("switchboard_closes_total", "code", "1013", "side", "server")
                > before.sum("switchboard_closes_total", "code", "1013", "side", "server"));
        Delta delta = new Delta(before, after, node.id());
        assertThat(delta.of("switchboard_slow_consumer_closes_total")).isEqualTo(1);
        assertThat(delta.of("switchboard_closes_total", "code", "1013", "side", "server")).isEqualTo(1);
        assertThat(delta.of("switchboard_closes_total", "side", "client")).isZero();
    }

    private Map<Integer, PrometheusText> scrapeAll() {
        Map<Integer, PrometheusText> texts = new HashMap<>();
        for (int i = 1; i <= NODES; i++) {
            texts.put(i, scrape(cluster.node(i)));
        }
        return texts;
    }

    /** Scrapes every node; those named in {@code ready} again until their condition holds (a close is counted once the container reports it). */
    private Map<Integer, PrometheusText> awaitCounted(Map<Integer, java.util.function.Predicate<PrometheusText>> ready,
                                                      Map<Integer, PrometheusText> before) {
        Map<Integer, PrometheusText> texts = scrapeAll();
        ready.forEach((i, condition) -> texts.put(i, awaitOn(cluster.node(i), condition)));
        assertThat(texts.keySet()).isEqualTo(before.keySet());
        return texts;
    }

    private static PrometheusText awaitOn(ServerNode node, java.util.function.Predicate<PrometheusText> condition) {
        return Await.until("metrics of " + node, TIMEOUT, () -> scrape(node), condition);
    }

    private static PrometheusText scrape(ServerNode node) {
        ApiResponse response = node.api().get("/switchboard/api/metrics");
        assertThat(response.status()).as("GET /api/metrics on %s", node).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    /** What one node counted between two scrapes; every sample it reads carries the node's tag. */
    private record Delta(PrometheusText before, PrometheusText after, String node) {
        double of(String name, String... labels) {
            String[] withNode = java.util.stream.Stream.concat(java.util.Arrays.stream(labels), java.util.stream.Stream.of("node", node))
                    .toArray(String[]::new);
            assertThat(after.has(name, withNode) || labels.length > 0).as("%s reported by %s", name, node).isTrue();
            return after.sum(name, withNode) - before.sum(name, withNode);
        }
    }
}
