package io.switchboard.it.browser;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.Nginx;
import io.switchboard.it.support.Resources;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page in a real browser (headless Chromium) behind a real reverse proxy that breaks WebSockets:
 * nginx answers every {@code Upgrade} with 403 and proxies everything else to two of three nodes, round
 * robin, with buffering off. The page falls back to SSE and says so; its requests reach its session through
 * whichever node nginx picks. A second page, opened straight on the third node, stays on the WebSocket.
 * Events cross both ways, and when the node holding the first page's stream is killed the page opens a
 * stream on the other one through nginx and misses nothing.
 *
 * <p>Screenshots under {@code target/screenshots/}: both pages once connected, and after the fail-over.
 */
class SseFallbackBrowserIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(40);

    private final Resources resources = new Resources();

    @BeforeAll
    static void requireBrowserAndProxy() {
        Chromium.assumeInstalled();
        Nginx.assumeInstalled();
    }

    @AfterEach
    void stopEverything() {
        resources.close();
    }

    @Test
    void behindAProxyThatRefusesWebSocketsThePageFallsBackToSseReceivesPublishesAndFailsOver() {
        RedisServerProcess redis = keep(RedisServerProcess.start("SseFallbackBrowserIT-redis"));
        Cluster cluster = keep(Cluster.start("SseFallbackBrowserIT", 3, redis));
        Nginx nginx = keep(Nginx.refusingUpgradesInFrontOf("SseFallbackBrowserIT-nginx",
                List.of(cluster.node(1), cluster.node(2))));
        ServerNode direct = cluster.node(3);

        DemoPage proxied = DemoPage.open("page behind nginx", keep(Chromium.start("SseFallbackBrowserIT-chromium-1")),
                nginx.baseUri().resolve("/"));
        DemoPage straight = DemoPage.open("page on node-3", keep(Chromium.start("SseFallbackBrowserIT-chromium-2")),
                direct.baseUri().resolve("/"));
        String holder = proxied.awaitConnectedOver("sse", START_TIMEOUT);
        straight.awaitConnectedTo("node-3", "websocket", START_TIMEOUT);
        assertThat(holder).as("node holding the proxied page's stream").isIn("node-1", "node-2");
        assertThat(nginx.accessLog()).as("nginx refused the page's WebSocket handshakes")
                .containsPattern("\"GET /switchboard/ws[^\"]*\" 403");
        assertThat(proxied.status()).isEqualTo("connected");

        // Triggered on node-3 (the WebSocket page's node), received over the stream of the proxied page.
        String first = "First event " + shortId();
        assertThat(straight.submitTrigger(first, EVENT_TIMEOUT)).startsWith("Handled by node-3");
        assertThat(proxied.awaitFeedEntry(first, EVENT_TIMEOUT)).contains("triggered on node-3", "received via " + holder);
        assertThat(straight.awaitFeedEntry(first, EVENT_TIMEOUT)).contains("received via node-3");
        // Published by the proxied page itself, over its POSTs, and received by the other page.
        String chat = "Hello over SSE " + shortId();
        proxied.sendChat(chat);
        straight.awaitChatEntry(chat, EVENT_TIMEOUT);
        proxied.awaitChatEntry(chat, EVENT_TIMEOUT);
        proxied.screenshot("sse-page-behind-nginx-on-" + holder);
        straight.screenshot("sse-page-beside-it-on-websocket-node-3");

        ServerNode victim = cluster.node(Integer.parseInt(holder.substring("node-".length())));
        String survivor = holder.equals("node-1") ? "node-2" : "node-1";
        victim.kill();
        // Published while the proxied page is (very likely) between streams: it must get it replayed.
        String duringFailover = "During failover " + shortId();
        assertThat(straight.submitTrigger(duringFailover, EVENT_TIMEOUT)).startsWith("Handled by node-3");
        proxied.awaitConnectedTo(survivor, "sse", FAILOVER_TIMEOUT);
        String afterFailover = "After failover " + shortId();
        assertThat(straight.submitTrigger(afterFailover, EVENT_TIMEOUT)).startsWith("Handled by node-3");

        assertThat(proxied.awaitFeedEntry(afterFailover, EVENT_TIMEOUT)).contains("received via " + survivor);
        straight.awaitFeedEntry(afterFailover, EVENT_TIMEOUT);
        for (DemoPage page : List.of(proxied, straight)) {
            assertThat(page.feedMessages()).as("feed of %s", page).containsExactly(first, duringFailover, afterFailover);
        }
        String chatAfter = "Still publishing " + shortId();
        proxied.sendChat(chatAfter);
        straight.awaitChatEntry(chatAfter, EVENT_TIMEOUT);
        assertThat(straight.transport()).as("the page not behind the proxy").isEqualTo("websocket");
        proxied.screenshot("sse-page-behind-nginx-failed-over-to-" + survivor);
        straight.screenshot("sse-page-beside-it-after-failover");
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
