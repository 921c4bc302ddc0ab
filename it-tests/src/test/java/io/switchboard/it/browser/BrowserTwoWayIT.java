package io.switchboard.it.browser;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.Resources;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two-way parts of the demo page in real browsers (headless Chromium): two pages, each in its own browser
 * (own profile, own cookies, hence own login), page A on node 1 and page B on node 2 of one cluster, logged in
 * as two different demo users. The acknowledged chat ({@code sb.send} to the node's handler, the reply with the
 * offset), who is online in {@code presence-lobby} (join and leave across the nodes), and the admin card's kick
 * (close 4403 from the other node, after which the kicked page stays disconnected).
 *
 * <p>Each test opens its own two browsers with users of its own; the cluster is shared. Screenshots of both
 * pages at the key moments are saved under {@code target/screenshots/two-way-*.png}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserTwoWayIT {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /**
     * How long a kicked page is watched for a reconnect: the client's first retry comes after 0.5 to 1 s
     * (backoff from 500 ms, doubled cap), so a client that did retry would be back well within this.
     */
    private static final Duration KICKED_PAGE_WATCH = Duration.ofSeconds(4);
    private static final String NODE_A = "node-1";
    private static final String NODE_B = "node-2";
    /** An offset as the server writes it: {@code <epoch>-<seq>}. */
    private static final String OFFSET = "[A-Za-z0-9]+-\\d+";

    private final Resources cluster = new Resources();
    private final Resources browsers = new Resources();
    private Cluster nodes;

    @BeforeAll
    void startCluster() {
        Chromium.assumeInstalled();
        RedisServerProcess redis = cluster.keep(RedisServerProcess.start("BrowserTwoWayIT-redis"));
        nodes = cluster.keep(Cluster.start("BrowserTwoWayIT", 2, redis));
    }

    @AfterEach
    void closeBrowsers() {
        browsers.close();
    }

    @AfterAll
    void stopCluster() {
        cluster.close();
    }

    @Test
    void aChatMessageShowsAsSendingThenAcknowledgedWithItsOffsetAndAppearsOnceOnThePageOnTheOtherNode() {
        String alice = user("alice");
        String bob = user("bob");
        DemoPage pageA = loggedInPage("page A", 1, alice);
        DemoPage pageB = loggedInPage("page B", 2, bob);
        pageA.recordChatEntryClasses();

        String hello = "Hello from A " + shortId();
        pageA.sendChat(hello);

        DemoPage.ChatEntry acked = pageA.awaitChatEntry(hello, "own acked", TIMEOUT);
        assertThat(acked.meta()).startsWith("✓ acknowledged");
        assertThat(acked.offset()).matches(OFFSET);
        assertThat(pageA.chatEntryClassesSeen(hello)).as("classes of the entry on page A, in order")
                .containsExactly("own pending", "own acked");
        DemoPage.ChatEntry received = pageB.awaitChatEntry(hello, "", TIMEOUT);
        assertThat(received.meta()).as("who sent it, as page B shows").startsWith(alice + " · ");
        assertThat(received.offset()).as("the offset page B received it at, the one of page A's reply")
                .isEqualTo(acked.offset());
        pageA.screenshot("two-way-chat-page-a-acknowledged");
        pageB.screenshot("two-way-chat-page-b-received");

        // An answer from page B. When page A shows it, page A has had its own message's event too (one channel,
        // in order) and must not have shown it twice; when page B has it acknowledged after A's, any second
        // copy of A's message on page B would have come before it.
        String answer = "Hi from B " + shortId();
        pageB.sendChat(answer);
        DemoPage.ChatEntry answerAcked = pageB.awaitChatEntry(answer, "own acked", TIMEOUT);
        DemoPage.ChatEntry answerReceived = pageA.awaitChatEntry(answer, "", TIMEOUT);
        assertThat(answerReceived.meta()).startsWith(bob + " · ");
        assertThat(answerReceived.offset()).isEqualTo(answerAcked.offset());
        assertThat(pageA.chatEntries(hello)).as("page A's own message, once").containsExactly(acked);
        assertThat(pageB.chatEntries(hello)).as("page A's message on page B, once").containsExactly(received);
        assertThat(pageB.chatEntries(answer)).as("page B's own message, once").containsExactly(answerAcked);
        assertThat(pageA.chatEntries(answer)).as("page B's message on page A, once").containsExactly(answerReceived);
        pageA.screenshot("two-way-chat-page-a-answered");
        pageB.screenshot("two-way-chat-page-b-answered");
    }

    @Test
    void theOnlineListShowsAUserOnAnotherNodeWhenTheyLogInAndDropsThemWhenTheyLogOutOrCloseTheirBrowser() {
        String carol = user("carol");
        String dave = user("dave");
        DemoPage pageA = loggedInPage("page A", 1, carol);
        Await.until("page A listing its own user", TIMEOUT, pageA::online, view -> view.self().equals(List.of(carol)));
        Chromium browserB = browsers.keep(Chromium.start("BrowserTwoWayIT-chromium-b"));
        DemoPage pageB = DemoPage.open("page B", browserB, nodes.node(2).baseUri());
        pageB.awaitConnectedTo(NODE_B, START_TIMEOUT);
        assertThat(pageA.online().users()).as("page A before page B logs in").doesNotContain(dave);

        pageB.logIn(dave, NODE_B, START_TIMEOUT);
        pageA.awaitOnline(dave, TIMEOUT);
        Await.until("page B listing both users, itself marked", TIMEOUT, pageB::online,
                view -> view.users().containsAll(List.of(carol, dave)) && view.self().equals(List.of(dave)));
        pageA.screenshot("two-way-online-page-a-b-joined");
        pageB.screenshot("two-way-online-page-b-joined");

        pageB.logOut(NODE_B, TIMEOUT);
        pageA.awaitOffline(dave, TIMEOUT);
        assertThat(pageB.online().users()).as("page B, anonymous now, follows nobody").isEmpty();
        pageA.screenshot("two-way-online-page-a-b-logged-out");
        pageB.screenshot("two-way-online-page-b-logged-out");

        pageB.logIn(dave, NODE_B, START_TIMEOUT);
        pageA.awaitOnline(dave, TIMEOUT);
        browserB.close(); // the whole browser ends, its socket with it
        pageA.awaitOffline(dave, TIMEOUT);
        assertThat(pageA.online().users()).as("page A after page B's browser closed").contains(carol);
        pageA.screenshot("two-way-online-page-a-b-closed");
    }

    @Test
    void theAdminCardKicksAUserOnAnotherNodeWhosePageSaysSoStaysDisconnectedAndLeavesTheOnlineList() {
        String erin = user("erin");
        String frank = user("frank");
        DemoPage pageA = loggedInPage("page A", 1, erin);
        DemoPage pageB = loggedInPage("page B", 2, frank);
        pageA.awaitOnline(frank, TIMEOUT);
        String sessionB = pageB.sessionId();
        assertThat(sessionB).as("page B's session id").startsWith(NODE_B + ".");

        DemoPage.AdminView listed = pageA.listSessionsOf(frank, TIMEOUT);
        assertThat(listed.result()).isEqualTo(frank + " has 1 session in the cluster.");
        assertThat(listed.sessions()).singleElement().satisfies(session -> assertThat(session)
                .startsWith(sessionB + " on " + NODE_B + " · websocket · ").contains("presence-lobby", "chat.lobby"));
        pageA.screenshot("two-way-kick-page-a-sessions-of-b");

        DemoPage.AdminView kicked = pageA.kick(frank, TIMEOUT);
        assertThat(kicked.result()).isEqualTo("Kicked " + frank + ": 1 session closed.");
        String notice = Await.until("page B showing that it was disconnected", TIMEOUT, pageB::disconnectedNotice,
                text -> !text.isEmpty());
        assertThat(notice).contains("4403", "kicked by " + erin, "does not reconnect");
        assertThat(pageB.status()).isEqualTo("disconnected");
        Await.until("page B no longer claiming to know who is online", TIMEOUT, pageB::online,
                view -> view.users().isEmpty());
        pageA.awaitOffline(frank, TIMEOUT);
        Await.until("page A's admin card listing no session of " + frank + " after the kick", TIMEOUT, pageA::admin,
                view -> view.sessions().isEmpty());
        pageA.screenshot("two-way-kick-page-a-after-kick");
        pageB.screenshot("two-way-kick-page-b-kicked");

        boolean reconnected = Await.within(KICKED_PAGE_WATCH, () -> !"disconnected".equals(pageB.status())
                || !frank.equals(pageB.user()) || !pageB.sessionId().equals(sessionB));
        assertThat(reconnected).as("page B reconnected within %s of the kick", KICKED_PAGE_WATCH).isFalse();
        assertThat(pageA.listSessionsOf(frank, TIMEOUT).result()).as("the cluster, after watching page B")
                .isEqualTo(frank + " has 0 sessions in the cluster.");
        assertThat(pageA.online().users()).doesNotContain(frank);
    }

    /** A browser of its own with the page of node {@code node}, logged in as {@code user}. */
    private DemoPage loggedInPage(String name, int node, String user) {
        Chromium browser = browsers.keep(Chromium.start("BrowserTwoWayIT-chromium-" + user));
        DemoPage page = DemoPage.open(name, browser, nodes.node(node).baseUri());
        String nodeId = "node-" + node;
        page.awaitConnectedTo(nodeId, START_TIMEOUT);
        page.logIn(user, nodeId, START_TIMEOUT);
        return page;
    }

    /** A demo user name unique to this run (letters, digits, {@code -}: what the demo realm accepts). */
    private static String user(String name) {
        return name + "-" + shortId();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
