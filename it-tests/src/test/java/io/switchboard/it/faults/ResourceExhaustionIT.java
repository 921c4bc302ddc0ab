package io.switchboard.it.faults;

import io.switchboard.it.support.AttackedWorker;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.FrameFlood;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.PacedRequests;
import io.switchboard.it.support.SampleLogin;
import io.switchboard.it.support.SocketEnds;
import io.switchboard.it.support.SocketFleet;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static io.switchboard.it.faults.ExhaustionRequests.bigPublishes;
import static io.switchboard.it.faults.ExhaustionRequests.freshNameChurn;
import static io.switchboard.it.faults.ExhaustionRequests.neverReading;
import static io.switchboard.it.faults.ExhaustionRequests.privateChannelAttempts;
import static io.switchboard.it.faults.ExhaustionRequests.request;
import static io.switchboard.it.faults.ExhaustionRequests.subscribeAnswers;
import static io.switchboard.it.faults.ExhaustionRequests.subscribeFlood;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Resource attacks on a demo worker ({@code -Xmx256m}, like the launcher's) with a real Redis: each one what an
 * anonymous or identified browser could do with nothing but frames. Throughout each, a well-behaved client receives
 * a steady stream; afterwards it must have every event once and in order, the worker must still run and answer
 * health 200 (no restart), its heap must have stayed under the -Xmx, Redis must hold only the keys that publishing
 * creates, and the worker's log must stay short (rate-limited warnings, no stack traces). Each scenario adds a row
 * to the fault report with what it cost.
 *
 * <p>One worker and one Redis serve every scenario of the class; a scenario after which the worker has exited or does
 * not answer health 200 again within 30 s counts a restart in its row, and the worker is replaced before the next
 * one. Every loop is bounded in count and, through its wait, in time. Heap and direct memory are sampled over JMX
 * (see {@link io.switchboard.it.support.JvmMemory}), health every 0.5 s. The worker, its Redis and the
 * replacing are {@link AttackedWorker}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResourceExhaustionIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LONG_TIMEOUT = Duration.ofSeconds(240);
    /**
     * Subscribes and unsubscribes per second per connection. High enough that paced clients (waiting for each
     * answer) are not limited and the churn happens; a flood that does not wait is.
     */
    private static final int SUBSCRIBE_RATE = 1000;
    /**
     * Subscriptions per connection, lowered from the default 100 so that thousands of connections at the cap stay
     * within what one node subscribes in Redis (500 channels per Redis connection) and within the class's time.
     */
    private static final int MAX_SUBSCRIPTIONS = 25;
    private static final int HISTORY_SIZE = 1000;
    /** Small, so that a client that stops reading stalls the node's writes soon. */
    private static final int TINY_RECEIVE_BUFFER = 4096;

    @RegisterExtension
    static final AttackedWorker worker = AttackedWorker.with(Map.of(
            "switchboard.subscribe-rate", Integer.toString(SUBSCRIBE_RATE),
            "switchboard.max-subscriptions", Integer.toString(MAX_SUBSCRIPTIONS)));

    private final String run = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);

    // ---- scenarios -----------------------------------------------------------------------------------

    /**
     * Large events fill a client-publishable channel's history, then several clients that never read send
     * {@code subscribe} with {@code since} = the oldest retained offset again and again: each asks for the whole
     * history. Replays are read in pages within a node-wide budget, so the node neither runs out of heap or direct
     * memory nor stops serving.
     */
    @Test
    void replayAmplificationFromClientsThatNeverReadLeavesTheNodeServing() {
        int publishers = 10;
        int events = HISTORY_SIZE + 100;
        int attackers = 8;
        int subscribesEach = 40;
        String channel = "chat.replay-" + run;
        AttackMeasurement measurement = measure("f1");
        Queue<String> offsets = new ConcurrentLinkedQueue<>();
        PacedRequests publishing = new PacedRequests(publishers, bigPublishes(channel, publishers, events), true,
                (connection, request, answer) -> {
                    if ("published".equals(answer.path("op").asText())) {
                        offsets.add(answer.path("offset").asText());
                    }
                });
        SocketFleet publisherFleet = worker.keep(SocketFleet.open(worker.node(), publishers, publishing));
        publisherFleet.await("every big event published", LONG_TIMEOUT, () -> publishing.settled() == publishers);
        publisherFleet.close();
        List<Offset> published = offsets.stream().map(Offset::parse)
                .sorted(Comparator.comparingLong(Offset::seq)).collect(Collectors.toList());
        assertThat(published).as("big events published (answers: %s)", publisherFleet.counts()).hasSize(events);
        String oldest = published.get(published.size() - HISTORY_SIZE).toString();

        byte[] subscribe = FrameFlood.frame(Json.write(request("subscribe", channel).put("since", oldest)));
        SocketFleet attack = worker.keep(SocketFleet.open(worker.node(), attackers, i -> "/switchboard/ws",
                TINY_RECEIVE_BUFFER, neverReading(subscribe, subscribesEach)));
        attack.awaitWelcomed(TIMEOUT);
        attack.await("every subscribe with since handed to the node", TIMEOUT, () -> attack.unsent() == 0);

        AttackMeasurement.Outcome outcome = measurement.finish("replay amplification: " + events + " events of 60 KB in " + channel
                        + " (history " + HISTORY_SIZE + "), then " + attackers + " clients that never read send "
                        + subscribesEach + " subscribes each with since = the oldest offset",
                (long) attackers * subscribesEach, -1, attack, 2);
        outcome.assertBounded();
    }

    /**
     * 100,000 fresh channel names, each subscribed and unsubscribed, spread over 200 connections that wait for
     * every answer. Every request is answered ({@code rate_limited} counts as an answer), and Redis holds nothing
     * for channels that were never published to.
     */
    @Test
    void churnOfFreshChannelNamesAddsNoRedisKeys() {
        int names = 100_000;
        int connections = 200;
        AttackMeasurement measurement = measure("f2");
        PacedRequests churn = new PacedRequests(connections, freshNameChurn(run, connections, names), false);
        SocketFleet fleet = worker.keep(SocketFleet.open(worker.node(), connections, churn));
        fleet.await("every name subscribed and unsubscribed", LONG_TIMEOUT, () -> churn.settled() == connections);
        long expected = fleet.count("subscribed") + fleet.count("unsubscribed") + fleet.count("error:rate_limited");
        fleet.close();

        AttackMeasurement.Outcome outcome = measurement.finish("channel churn: " + names + " fresh names subscribed and unsubscribed over "
                + connections + " connections", churn.sent(), expected, fleet, 1);
        assertThat(expected).as("answers subscribed / unsubscribed / rate_limited: %s", fleet.counts())
                .isEqualTo(2L * names);
        assertThat(fleet.count("subscribed")).as("subscribes that took effect: %s", fleet.counts())
                .isGreaterThan(names / 2);
        outcome.assertBounded();
    }

    /**
     * Clients that never read send pings whose {@code id}, echoed in every {@code pong}, is 60,000 characters: the
     * send queue is bounded in bytes, so each such client is closed once its budget is full instead of pinning
     * hundreds of MiB.
     */
    @Test
    void hugeEchoedIdsFromClientsThatNeverReadStayWithinTheByteBudget() {
        int connections = 20;
        int pingsEach = 200;
        AttackMeasurement measurement = measure("f3");
        byte[] ping = SocketFleet.encode(("{\"op\":\"ping\",\"id\":\"" + "i".repeat(60_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        SocketFleet attack = worker.keep(SocketFleet.open(worker.node(), connections, i -> "/switchboard/ws",
                TINY_RECEIVE_BUFFER, neverReading(ping, pingsEach)));
        attack.awaitWelcomed(TIMEOUT);
        attack.await("every ping handed to the node or its connection closed", LONG_TIMEOUT, () -> attack.unsent() == 0);

        AttackMeasurement.Outcome outcome = measurement.finish("huge echoed ids: " + connections + " clients that never read send "
                + pingsEach + " pings with a 60,000-character id", (long) connections * pingsEach, -1, attack, 1);
        outcome.assertBounded();
    }

    /**
     * Thousands of connections, each subscribing to as many fresh channels as it may (every channel shared by ten
     * connections): every one reaches the cap ({@code too_large} beyond it) and the node holds them all while the
     * steady client is served.
     */
    @Test
    void thousandsOfConnectionsAtTheSubscriptionCapOnFreshChannels() {
        int connections = 2000;
        int sharing = 10;
        AttackMeasurement measurement = measure("f4");
        PacedRequests subscribing = new PacedRequests(connections, (connection, step) -> step <= MAX_SUBSCRIPTIONS
                ? request("subscribe", "cap." + run + "." + (connection / sharing) + "." + step)
                : null, true);
        SocketFleet fleet = worker.keep(SocketFleet.open(worker.node(), connections, subscribing));
        fleet.await("every connection at the cap", LONG_TIMEOUT, () -> subscribing.settled() == connections);
        long subscribed = fleet.count("subscribed");
        long refused = fleet.count("error:too_large");
        long open = connections - fleet.ended();
        AttackMeasurement.Outcome outcome = measurement.finish("subscription cap: " + connections + " connections subscribe to "
                        + (MAX_SUBSCRIPTIONS + 1) + " fresh channels each (cap " + MAX_SUBSCRIPTIONS + "), "
                        + connections / sharing * (MAX_SUBSCRIPTIONS + 1) + " channels in all",
                (long) connections * (MAX_SUBSCRIPTIONS + 1), subscribed + refused, fleet, 1);

        assertThat(subscribed).as("subscriptions taken: %s", fleet.counts()).isEqualTo((long) connections * MAX_SUBSCRIPTIONS);
        assertThat(refused).as("subscribes beyond the cap refused with too_large: %s", fleet.counts()).isEqualTo(connections);
        assertThat(open).as("connections still open after the attack: %s", fleet.counts()).isEqualTo(connections);
        outcome.assertBounded();
    }

    /**
     * Connections that do not wait for answers send hundreds of subscribes and unsubscribes of a few channels each,
     * the same channel again and again: each gets an answer ({@code subscribed}, {@code unsubscribed} or
     * {@code rate_limited}), none is closed, and a re-subscribe costs nothing extra.
     */
    @Test
    void subscribeAndUnsubscribeFloodsAreEachAnsweredOrRefused() {
        int connections = 40;
        // Fewer than a connection's send queue holds (1024 frames): this test's one reader thread may fall behind
        // on a loaded machine, and however far, no connection's answers can then fill its queue and close it with
        // 1013, which is SlowConsumerIT's subject. The flood is about every request getting its answer.
        int framesEach = 900;
        AttackMeasurement measurement = measure("f5");
        List<byte[]> frames = subscribeFlood(run, framesEach);
        byte[] last = SocketFleet.encode("{\"op\":\"ping\",\"id\":\"last\"}".getBytes(StandardCharsets.UTF_8));
        SocketFleet flood = worker.keep(SocketFleet.open(worker.node(), connections, connection -> {
            frames.forEach(connection::send);
            connection.send(last);
        }));
        flood.awaitWelcomed(TIMEOUT);
        long total = (long) connections * framesEach;
        // The node reads a connection's frames in order: once the last ping is answered, it has taken in every
        // request; answers that need Redis may still be on their way, so the count is taken once it holds still.
        flood.await("the last ping of every flooding connection answered, or a connection closed", LONG_TIMEOUT,
                () -> flood.count("pong") >= connections || flood.ended() > 0);
        AttackMeasurement.steady(() -> subscribeAnswers(flood));
        // Each request gets its answer: done, or refused with a documented code (rate_limited; unavailable for a
        // subscribe while the channel's last subscription is still being torn down; bad_request for a subscribe
        // while the same channel is still replaying).
        long expected = subscribeAnswers(flood);
        long closed = flood.ended();
        flood.close();

        AttackMeasurement.Outcome outcome = measurement.finish("subscribe/unsubscribe flood: " + connections + " connections send "
                + framesEach + " frames each without waiting", total, expected, flood, 1);
        assertThat(closed).as("flooding connections closed by the node: %s", flood.counts()).isZero();
        assertThat(expected).as("answers subscribed / unsubscribed / refused: %s", flood.counts()).isEqualTo(total);
        assertThat(flood.counts().keySet()).as("answers of a flood: %s", flood.counts())
                .allMatch(answer -> Set.of("subscribed", "unsubscribed", "pong", "welcomed", "error:rate_limited",
                        "error:unavailable", "error:bad_request").contains(answer));
        assertThat(flood.count("error:rate_limited") + flood.count("error:unavailable") + flood.count("error:bad_request"))
                .as("a flood is refused in part: %s", flood.counts()).isPositive();
        outcome.assertBounded();
    }

    /**
     * Identified sockets whose client token expires: closed with 4401 when it does, unless they sent a
     * {@code refresh} with a valid token for the same user first; a refresh with another user's token extends
     * nothing.
     */
    @Test
    void socketsAreClosedWith4401WhenTheirTokenExpiresUnlessRefreshed() {
        int each = 15;
        AttackMeasurement measurement = measure("f6");
        WsClients clients = worker.keep(new WsClients());
        Instant expiry = Instant.now().plusSeconds(8);
        List<WsClient> expiring = new ArrayList<>();
        List<WsClient> refreshed = new ArrayList<>();
        List<WsClient> refreshedAsSomeoneElse = new ArrayList<>();
        for (int i = 0; i < 3 * each; i++) {
            String user = "expiring-" + i;
            WsClient client = clients.connect(worker.node().ws()
                    .token(ClientToken.mint(worker.tokenSecret(), user, expiry)));
            client.subscribe("tokens." + run);
            int group = i % 3;
            if (group == 0) {
                expiring.add(client);
            } else if (group == 1) {
                client.send(Json.object().put("op", "refresh")
                        .put("token", ClientToken.mint(worker.tokenSecret(), user, Instant.now().plusSeconds(600))));
                refreshed.add(client);
            } else {
                client.send(Json.object().put("op", "refresh")
                        .put("token", ClientToken.mint(worker.tokenSecret(), "someone-else-" + i, Instant.now().plusSeconds(600))));
                refreshedAsSomeoneElse.add(client);
            }
        }
        List<WsClient> mustClose = new ArrayList<>(expiring);
        mustClose.addAll(refreshedAsSomeoneElse);
        List<String> otherEnds = SocketEnds.notClosedWith(4401, mustClose, expiry.plusSeconds(15));
        long closedWith4401 = mustClose.size() - otherEnds.size();
        long stillServed = SocketEnds.answering(refreshed);

        AttackMeasurement.Outcome outcome = measurement.finish("expired client tokens: " + 3 * each + " identified sockets, a third refresh "
                + "in time, a third with another user's token", 3L * each, closedWith4401 + stillServed, null, 1);
        assertThat(closedWith4401).as("sockets closed with 4401 when their token expired; other ends: %s", otherEnds)
                .isEqualTo(mustClose.size());
        assertThat(stillServed).as("sockets that refreshed in time still open and answering after the expiry")
                .isEqualTo(refreshed.size());
        outcome.assertBounded();
    }

    /**
     * Container logins: the sample's minimal login ({@code POST /login} with form field {@code user}) opens an HTTP
     * session whose cookie authenticates the WebSocket handshake; {@code POST /logout} invalidates it, and the
     * sockets it authenticated are closed with 4401 while another session of the same user keeps its socket.
     */
    @Test
    void loggingOutClosesTheSocketsOfThatHttpSessionWith4401() throws IOException, InterruptedException {
        int users = 5;
        AttackMeasurement measurement = measure("f7");
        WsClients clients = worker.keep(new WsClients());
        SampleLogin sessions = new SampleLogin(worker.node(), TIMEOUT);
        List<WsClient> loggedOut = new ArrayList<>();
        List<WsClient> kept = new ArrayList<>();
        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < users; i++) {
            String user = "login-" + i;
            String cookie = sessions.login(user);
            String otherSession = sessions.login(user);
            cookies.add(cookie);
            for (int socket = 0; socket < 2; socket++) {
                WsClient client = clients.connect(worker.node().ws().header("Cookie", cookie));
                assertThat(client.user()).as("user of a socket opened with the session cookie").isEqualTo(user);
                client.subscribe("private-" + user);
                loggedOut.add(client);
            }
            kept.add(clients.connect(worker.node().ws().header("Cookie", otherSession)));
        }
        for (String cookie : cookies) {
            int status = sessions.logout(cookie);
            assertThat(status).as("POST /logout").isBetween(200, 399);
        }
        long closedWith4401 = loggedOut.stream().filter(client -> SocketEnds.closeCode(client, TIMEOUT) == 4401)
                .count();
        long stillServed = kept.stream().filter(WsClient::isOpen).count();

        AttackMeasurement.Outcome outcome = measurement.finish("logout: " + users + " users log out one of their two HTTP sessions, "
                + "2 sockets each", (long) loggedOut.size() + kept.size(), closedWith4401 + stillServed, null, 1);
        assertThat(closedWith4401).as("sockets of the logged-out sessions closed with 4401").isEqualTo(loggedOut.size());
        assertThat(stillServed).as("sockets of the other sessions still open").isEqualTo(kept.size());
        outcome.assertBounded();
    }

    /**
     * The default authorizer lets an identified user into {@code private-<user>}, {@code private-<user>.<anything>}
     * and {@code presence-*} only: every other user's private channels are refused with {@code forbidden}.
     */
    @Test
    void privateChannelsOfOtherUsersAreForbiddenByTheDefaultAuthorizer() {
        int users = 20;
        AttackMeasurement measurement = measure("f8");
        List<String> own = List.of("private-%s", "private-%s.inbox", "presence-lobby." + run);
        AtomicLong asExpected = new AtomicLong();
        PacedRequests attempts = new PacedRequests(users, privateChannelAttempts(users, own), true,
                (connection, request, answer) -> {
                    String channel = request.path("channel").asText();
                    String user = "p" + connection.index();
                    boolean mine = channel.startsWith("presence-") || channel.equals("private-" + user)
                            || channel.startsWith("private-" + user + ".");
                    String expected = mine ? "subscribed" : "error:forbidden";
                    String got = "error".equals(answer.path("op").asText()) ? "error:" + answer.path("code").asText()
                            : answer.path("op").asText();
                    if (expected.equals(got)) {
                        asExpected.incrementAndGet();
                    }
                });
        SocketFleet fleet = worker.keep(SocketFleet.open(worker.node(), users,
                i -> "/switchboard/ws?token=" + ClientToken.mint(worker.tokenSecret(), "p" + i), 0, attempts));
        fleet.await("every subscribe answered", TIMEOUT, () -> attempts.settled() == users);
        long forbidden = fleet.count("error:forbidden");
        long subscribed = fleet.count("subscribed");
        fleet.close();

        long foreign = (long) users * 2 * (users - 1);
        AttackMeasurement.Outcome outcome = measurement.finish("private channels of other users: " + users + " identified users try "
                        + 2 * (users - 1) + " foreign private channels and " + own.size() + " of their own",
                foreign + (long) users * own.size(), asExpected.get(), fleet, 1);
        assertThat(forbidden).as("foreign private channels refused with forbidden: %s", fleet.counts()).isEqualTo(foreign);
        assertThat(subscribed).as("own private and presence channels subscribed: %s", fleet.counts())
                .isEqualTo((long) users * own.size());
        outcome.assertBounded();
    }

    // ---- measuring -----------------------------------------------------------------------------------

    /** Starts the steady stream and the well-behaved client, and notes where Redis, the log and the heap stand. */
    private AttackMeasurement measure(String key) {
        return AttackMeasurement.start(key, "steady." + run + "." + key, worker.node(), worker.redis(), worker.memory(),
                worker.perTest());
    }
}
