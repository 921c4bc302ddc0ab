package io.switchboard.it.browser;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.RawWebSocket;
import io.switchboard.it.support.Resources;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module's admin page in a real browser (headless Chromium) on a three-node cluster: an operator logs in
 * with the API token (a wrong one is refused), sees the three nodes, and watches traffic started meanwhile
 * show up as a delivery rate and as the busiest channels, then a client that stops reading on another node
 * appear as a slow-consumer close. Everything arrives over the page's own socket on {@code @admin}.
 *
 * <p>Screenshots under {@code target/screenshots/}: the login form, and the page with traffic and a close.
 */
class AdminPageIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long traffic runs at most: the test stops it as soon as it has seen what it waits for. */
    private static final Duration TRAFFIC_LIMIT = Duration.ofSeconds(90);

    private final Resources resources = new Resources();
    private final WsClients clients = new WsClients();

    @BeforeAll
    static void requireBrowser() {
        Chromium.assumeInstalled();
    }

    @AfterEach
    void stopEverything() {
        clients.close();
        resources.close();
    }

    @Test
    void anOperatorLogsInSeesTheThreeNodesAndWatchesTheRateTheBusiestChannelsAndASlowConsumerCloseAppear() throws Exception {
        RedisServerProcess redis = resources.keep(RedisServerProcess.start("AdminPageIT-redis"));
        // A small byte bound on send queues: a client that stops reading is closed after a few large events.
        Cluster cluster = resources.keep(Cluster.start("AdminPageIT", 3, redis,
                Map.of("switchboard.send-queue-bytes", String.valueOf(64 * 1024))));
        AdminPage page = AdminPage.open(resources.keep(Chromium.start("AdminPageIT-chromium")),
                cluster.node(1).baseUri().resolve("/switchboard/admin/"));

        assertThat(page.showsLoginForm()).isTrue();
        page.screenshot("admin-login");
        page.logIn("not-the-api-token-not-the-api-token");
        assertThat(page.showsLoginForm()).isTrue();
        assertThat(page.loginError()).isEqualTo("That is not the API token.");
        page.logIn(cluster.apiToken());
        assertThat(page.showsLoginForm()).isFalse();
        assertThat(page.currentUrl()).doesNotContain(cluster.apiToken()).endsWith("/switchboard/admin/");
        assertThat(page.scriptVisibleCookies()).doesNotContain("switchboard_admin");

        page.awaitNodes(List.of("node-1", "node-2", "node-3"), TIMEOUT);
        assertThat(page.status()).isEqualTo("connected");

        // Subscribers on nodes 2 and 3, events published through node 1 while the page watches.
        for (int i = 0; i < 4; i++) {
            clients.connect(cluster.node(2).ws()).subscribe("orders.eu");
        }
        for (int i = 0; i < 2; i++) {
            clients.connect(cluster.node(3).ws()).subscribe("prices.fx");
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        Thread traffic = new Thread(() -> {
            long end = System.nanoTime() + TRAFFIC_LIMIT.toNanos();
            while (running.get() && System.nanoTime() < end) {
                cluster.node(1).api().publishAccepted("orders.eu", "placed", Map.of("n", published.incrementAndGet()));
                cluster.node(1).api().publishAccepted("prices.fx", "tick", Map.of("n", published.get()));
                try {
                    Thread.sleep(25); // a steady pace, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "admin-traffic");
        traffic.start();
        try {
            Await.until("a delivery rate on the admin page", TIMEOUT, page::clusterRate, rate -> rate > 0);
            Await.until("the busiest channels on the admin page", TIMEOUT, page::busiestChannels,
                    channels -> channels.size() == 2 && channels.get(0).equals("orders.eu"));

            slowConsumerOn(cluster.node(2), redis);
            List<String> closes = Await.until("a slow-consumer close on the admin page", TIMEOUT,
                    page::slowConsumerCloses, entries -> !entries.isEmpty());
            assertThat(closes.get(0)).contains("anonymous").contains("on node-2");
            assertThat(page.clusterRate()).isPositive();
            page.screenshot("admin-page");
        } finally {
            running.set(false);
            traffic.join(10_000);
        }
        assertThat(published.get()).isPositive();
    }

    /** A raw client on {@code node} that subscribes and never reads: large events fill the kernel's buffers, then its queue. */
    private void slowConsumerOn(ServerNode node, RedisServerProcess redis) {
        String ballast = "ballast." + Long.toHexString(System.nanoTime());
        RawWebSocket slow = resources.keep(RawWebSocket.open(node, 4096));
        slow.sendText("{\"op\":\"subscribe\",\"channel\":\"" + ballast + "\",\"id\":1}");
        Await.until(node + " listening on " + ballast, TIMEOUT,
                () -> redis.subscriberCount("switchboard:ch:" + ballast), count -> count == 1);
        String filler = "x".repeat(60 * 1024);
        Await.until(node + " closing the client that does not read", TIMEOUT, () -> {
            node.api().publishAccepted(ballast, "ballast", Map.of("filler", filler));
            return node.api().get("/switchboard/api/stats").json().path("node").path("slowConsumersClosed").asLong();
        }, closed -> closed > 0);
    }
}
