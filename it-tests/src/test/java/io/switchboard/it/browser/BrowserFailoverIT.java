package io.switchboard.it.browser;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.Resources;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page in a real browser (headless Chromium), open twice, each on a different worker process of
 * one cluster, each also given the other worker as a fail-over URL ({@code ?peers=}). The workers accept
 * both page Origins ({@code switchboard.allowed-origins}), as a deployment behind a load balancer with
 * several public names would.
 *
 * <p>Screenshots of both pages are saved under {@code target/screenshots/}: after the first event, and
 * after one page failed over.
 */
class BrowserFailoverIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(40);
    private static final String NEWS_TOPIC = "switchboard:ch:news";

    private final Resources resources = new Resources();

    @BeforeAll
    static void requireBrowser() {
        Chromium.assumeInstalled();
    }

    @AfterEach
    void stopEverything() {
        resources.close();
    }

    @Test
    void triggerFormOnOnePageShowsTheEventOnBothAndAPageWhoseWorkerIsKilledFailsOverAndKeepsReceiving() {
        RedisServerProcess redis = keep(RedisServerProcess.start("BrowserFailoverIT-redis"));
        Cluster cluster = keep(Cluster.start("BrowserFailoverIT", 2, redis, baseUris -> Map.of(
                "switchboard.allowed-origins", baseUris.stream().map(URI::toString).collect(Collectors.joining(",")))));
        URI node1 = cluster.node(1).baseUri();
        URI node2 = cluster.node(2).baseUri();

        DemoPage pageA = DemoPage.open("page A", keep(Chromium.start("BrowserFailoverIT-chromium-1")),
                pageUri(node1, node2));
        DemoPage pageB = DemoPage.open("page B", keep(Chromium.start("BrowserFailoverIT-chromium-2")),
                pageUri(node2, node1));
        pageA.awaitConnectedTo("node-1", START_TIMEOUT);
        pageB.awaitConnectedTo("node-2", START_TIMEOUT);
        // Both nodes listen on the news topic once both pages' subscriptions are in place.
        Await.until("both nodes subscribed to " + NEWS_TOPIC, START_TIMEOUT, () -> redis.subscriberCount(NEWS_TOPIC),
                count -> count == 2);

        String first = "First event " + shortId();
        assertThat(pageA.submitTrigger(first, EVENT_TIMEOUT)).startsWith("Handled by node-1");
        for (DemoPage page : List.of(pageA, pageB)) {
            assertThat(page.awaitFeedEntry(first, EVENT_TIMEOUT)).as("feed entry on %s", page).contains("triggered on node-1");
        }
        assertThat(pageA.awaitFeedEntry(first, EVENT_TIMEOUT)).contains("received via node-1");
        assertThat(pageB.awaitFeedEntry(first, EVENT_TIMEOUT)).contains("received via node-2");
        pageA.screenshot("page-a-on-node-1");
        pageB.screenshot("page-b-on-node-2");

        cluster.node(2).kill();
        // Published while the second page is (very likely) still between sockets: it must get it replayed.
        String duringFailover = "During failover " + shortId();
        assertThat(pageA.submitTrigger(duringFailover, EVENT_TIMEOUT)).startsWith("Handled by node-1");
        pageB.awaitConnectedTo("node-1", FAILOVER_TIMEOUT);
        String afterFailover = "After failover " + shortId();
        assertThat(pageA.submitTrigger(afterFailover, EVENT_TIMEOUT)).startsWith("Handled by node-1");

        assertThat(pageB.awaitFeedEntry(afterFailover, EVENT_TIMEOUT)).contains("received via node-1");
        pageA.awaitFeedEntry(afterFailover, EVENT_TIMEOUT);
        for (DemoPage page : List.of(pageA, pageB)) {
            assertThat(page.feedMessages()).as("feed of %s", page).containsExactly(first, duringFailover, afterFailover);
        }
        pageA.screenshot("page-a-after-failover");
        pageB.screenshot("page-b-failed-over-to-node-1");
    }

    /** The page on {@code own}, with the socket of {@code peer} as its fail-over URL. */
    private static URI pageUri(URI own, URI peer) {
        return own.resolve("/?peers=ws://" + peer.getHost() + ":" + peer.getPort() + "/switchboard/ws");
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        return resources.keep(resource);
    }
}
