package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.AttackedWorker;
import io.switchboard.it.support.ClientToken;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.FrameFlood;
import io.switchboard.it.support.PresenceView;
import io.switchboard.it.support.PostFlood;
import io.switchboard.it.support.SocketFleet;
import io.switchboard.it.support.SseFleet;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Floods through the doors added after the first protocol, from a few hundred anonymous (or self-identified)
 * clients at once, on one demo worker ({@code -Xmx256m}) with a real Redis: client messages ({@code send}) from
 * clients that read and from clients that do not, requests POSTed to SSE sessions as fast as the node takes them,
 * and presence subscriptions churned over many channels. Each request must be answered, done or refused with a
 * documented code ({@code error} frame, HTTP status, close code), never dropped without a word; the node's bounds
 * must hold ({@link AttackMeasurement}: a well-behaved client gets the steady stream whole and in order, health
 * stays 200, the heap stays under the -Xmx, Redis gains only the keys publishing makes, the log stays short), and
 * once the flood's connections are gone the heap after a full collection is back where it was before the flood.
 *
 * <p>One worker and one Redis for the class; a scenario that broke the worker leaves a fresh one to the next.
 * Every flood is bounded in count, and every wait in time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DoorFloodIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Short, so that the sample's {@code slow} handler holds a handler thread for two seconds, not ten. */
    private static final int HANDLER_TIMEOUT_MILLIS = 2000;
    /**
     * Short, so that the node writes to quiet SSE streams soon and so learns within seconds that their clients
     * left (a response being streamed hears nothing from its client until a write fails).
     */
    private static final int HEARTBEAT_MILLIS = 5000;
    /** Small, so that a client that stops reading stalls the node's writes soon. */
    private static final int TINY_RECEIVE_BUFFER = 4096;

    @RegisterExtension
    static final AttackedWorker worker = AttackedWorker.with(Map.of(
            "switchboard.handler-timeout", Integer.toString(HANDLER_TIMEOUT_MILLIS),
            "switchboard.heartbeat", Integer.toString(HEARTBEAT_MILLIS)));

    private final String run = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);

    // ---- scenarios -----------------------------------------------------------------------------------

    /**
     * 200 connections send 100 client messages each without waiting: mostly {@code echo}, one in ten to the
     * sample's {@code slow} handler (which holds a handler thread until the handler timeout), one in ten to an event
     * no handler answers. Meanwhile 40 connections that never read send 400 {@code echo}s of 1 KB each. Every
     * {@code send} with an id gets its {@code reply} or a refusal ({@code rate_limited}, {@code unavailable} when
     * the handler threads and their queue are full or the reply came too late, {@code not_found}); a client that
     * did not read gets, once it reads again, all its answers or the close with 1013 that ended it.
     */
    @Test
    void sendFloodsAreEachAnsweredOrRefused() {
        int readers = 200;
        int sendsEach = 100;
        int hoarders = 40;
        int hoardedEach = 400;
        long heapBefore = aftermath().retainedHeap();
        AttackMeasurement measurement = measure("g1");

        List<byte[]> readerFrames = DoorFloodRequests.sends(sendsEach);
        List<byte[]> hoardedFrames = DoorFloodRequests.echoFrames(hoardedEach);
        FrameFlood reading = new FrameFlood(readers, i -> readerFrames, false);
        FrameFlood hoarding = new FrameFlood(hoarders, i -> hoardedFrames, true);
        SocketFleet readerFleet = worker.keep(SocketFleet.open(worker.node(), readers, reading));
        SocketFleet hoarderFleet = worker.keep(SocketFleet.open(worker.node(), hoarders, i -> "/switchboard/ws",
                TINY_RECEIVE_BUFFER, hoarding));
        readerFleet.awaitWelcomed(TIMEOUT);
        hoarderFleet.awaitWelcomed(TIMEOUT);

        readerFleet.await("the last ping of every reading connection answered", TIMEOUT,
                () -> reading.finished() == readers);
        hoarderFleet.await("every frame of the connections that do not read handed to the node, or the connection "
                + "closed", TIMEOUT, () -> hoarderFleet.unsent() == 0);
        hoarding.resumeReading(hoarderFleet);
        hoarderFleet.await("every connection that did not read has its last ping answered or is closed", TIMEOUT,
                () -> hoarding.finished() == hoarders);
        // Replies of handlers still running (or timing out) after the last ping may be on their way.
        readerFleet.await("every send of the reading connections answered", TIMEOUT,
                () -> reading.answered() == readers);
        hoarderFleet.await("every send of the connections that did not read answered, or the connection closed",
                TIMEOUT, () -> hoarding.answered() == hoarders);
        long readerAnswers = reading.answers();
        long hoarderAnswers = hoarding.answers();

        WsClient wellBehaved = worker.keep(new WsClients()).connect(worker.node().ws());
        JsonNode echo = wellBehaved.request(Json.object().put("op", "send").put("event", "echo")
                .set("data", Json.object().put("after", "the flood")));

        long unansweredHoarders = 0;
        for (int i = 0; i < hoarders; i++) {
            if (hoarding.answers(i) != hoardedEach) {
                unansweredHoarders++;
            }
        }
        AttackMeasurement.Outcome outcome = measurement.finish("send flood: " + readers + " connections send "
                        + sendsEach + " messages each without waiting (echo, slow, unknown), " + hoarders
                        + " that do not read send " + hoardedEach + " echoes of 1 KB",
                reading.sent() + hoarding.sent(), readerAnswers + hoarderAnswers, null, 1);
        readerFleet.close();
        hoarderFleet.close();

        assertThat(readerFleet.ended()).as("reading connections closed by the node: %s", readerFleet.counts()).isZero();
        assertThat(readerAnswers).as("answers to the reading connections' sends: %s", readerFleet.counts())
                .isEqualTo(reading.sent());
        assertThat(readerFleet.counts().keySet()).as("answers of a send flood: %s", readerFleet.counts())
                .allMatch(answer -> Set.of("reply", "pong", "ping", "welcomed", "error:rate_limited", "error:unavailable",
                        "error:not_found").contains(answer));
        assertThat(readerFleet.count("error:not_found")).as("sends to no handler: %s", readerFleet.counts())
                .isEqualTo((long) readers * sendsEach / 10);
        assertThat(readerFleet.count("error:rate_limited")).as("a flood is refused in part: %s", readerFleet.counts())
                .isPositive();
        assertThat(readerFleet.count("error:unavailable")).as("slow handlers answered unavailable at the timeout: %s",
                readerFleet.counts()).isPositive();
        assertThat(unansweredHoarders).as("connections that did not read and got neither all their answers nor a "
                + "close: %s", hoarderFleet.counts()).isEqualTo(hoarderFleet.count("close:1013"));
        assertThat(hoarderFleet.ended()).as("connections that did not read, closed, all with 1013: %s",
                hoarderFleet.counts()).isEqualTo(hoarderFleet.count("close:1013"));
        assertThat(echo.path("op").asText()).as("a well-behaved send after the flood: %s", echo).isEqualTo("reply");
        outcome.assertBounded();
        aftermath().assertNothingRetained("g1", heapBefore, worker.perTest());
    }

    /**
     * 150 SSE streams POST 120 requests each, pipelined: subscribes and unsubscribes, publishes to a
     * client-publishable channel, {@code send}s and pings; 30 streams that never read POST 300 {@code echo}s of
     * 1 KB; 20 more POST requests naming a session this node does not hold or with a wrong secret; and 300
     * requests at once name sessions of a node that does not exist, which this node forwards within its bound.
     * Every POST is answered with a status the SPEC gives (202, 403, 404, 503), and each request accepted on a
     * stream that reads is answered on that stream.
     */
    @Test
    void ssePostFloodsAreEachAnswered() {
        int streams = 150;
        int postsEach = 120;
        int hoarders = 30;
        int hoardedEach = 300;
        int forgers = 20;
        int forgedEach = 40;
        int window = 16;
        int ghosts = 15;
        int ghostPostsEach = 20;
        long heapBefore = aftermath().retainedHeap();
        AttackMeasurement measurement = measure("g2");

        List<String> plan = DoorFloodRequests.ssePosts(run, "chat.sse-flood-" + run, postsEach);
        List<String> hoarded = DoorFloodRequests.echoes(hoardedEach);
        PostFlood posting = new PostFlood(streams, i -> plan, window, false);
        PostFlood hoarding = new PostFlood(hoarders, i -> hoarded, window, true);
        SseFleet fleet = worker.keep(SseFleet.open(worker.node(), streams, 0, posting));
        SseFleet hoarderFleet = worker.keep(SseFleet.open(worker.node(), hoarders, TINY_RECEIVE_BUFFER, hoarding));
        SseFleet forgerFleet = worker.keep(SseFleet.open(worker.node(), forgers, 0,
                DoorFloodRequests.forgedPosts(worker.node().id(), forgedEach)));
        SseFleet ghostFleet = worker.keep(SseFleet.open(worker.node(), ghosts, 0,
                DoorFloodRequests.ghostPosts(run, ghostPostsEach)));
        long forwarded = (long) ghosts * ghostPostsEach;

        fleet.awaitWelcomed(TIMEOUT);
        hoarderFleet.awaitWelcomed(TIMEOUT);
        forgerFleet.awaitWelcomed(TIMEOUT);
        fleet.await("every stream POSTed all its requests and got every answer", TIMEOUT,
                () -> posting.done() + fleet.ended() >= streams);
        hoarderFleet.await("every stream that does not read POSTed all its requests and got every answer", TIMEOUT,
                () -> hoarding.done() == hoarders);
        forgerFleet.await("every forged POST answered", TIMEOUT,
                () -> forgerFleet.count("post:403") + forgerFleet.count("post:404") + forgerFleet.count("post:lost")
                        >= (long) forgers * forgedEach);
        ghostFleet.awaitWelcomed(TIMEOUT);
        ghostFleet.await("every POST for a node that does not exist answered", TIMEOUT, () -> ghostFleet.unanswered() == 0);
        Map<String, Long> forwardStatuses = ghostFleet.counts().entrySet().stream()
                .filter(entry -> entry.getKey().startsWith("post:"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new));
        long accepted = fleet.count("post:202");
        // Answers that need Redis (publish, subscribe) may still be on their way after the POST's 202.
        fleet.await("an answer on its stream to every accepted request, or the stream closed", TIMEOUT,
                () -> posting.answers() >= accepted || fleet.ended() > 0);
        long answers = posting.answers();

        AttackMeasurement.Outcome outcome = measurement.finish("SSE POST flood: " + streams + " streams POST " + postsEach
                        + " requests each, pipelined; " + hoarders + " that do not read POST " + hoardedEach
                        + " echoes of 1 KB; " + forgers * forgedEach + " forged POSTs; " + forwarded
                        + " POSTs to a node that does not exist",
                posting.posted() + hoarding.posted() + (long) forgers * forgedEach + forwarded,
                answers + hoarderFleet.count("post:202") + hoarderFleet.count("post:404")
                        + forgerFleet.count("post:403") + forgerFleet.count("post:404")
                        + forwardStatuses.getOrDefault("post:404", 0L) + forwardStatuses.getOrDefault("post:503", 0L),
                null, 2);
        Map<String, Long> counts = fleet.counts();
        long closed = fleet.ended();
        List<String> unanswered = posting.unanswered(20);
        fleet.close();
        hoarderFleet.close();
        forgerFleet.close();
        ghostFleet.close();

        assertThat(closed).as("reading streams closed by the node: %s", counts).isZero();
        assertThat(accepted).as("POSTs of the reading streams accepted: %s", counts).isEqualTo(posting.posted());
        assertThat(answers).as("answers on the streams to the accepted requests: %s; some unanswered: %s", counts,
                unanswered).isEqualTo(accepted);
        assertThat(counts.keySet()).as("what the reading streams received: %s", counts)
                .allMatch(answer -> Set.of("subscribed", "unsubscribed", "published", "reply", "pong", "ping", "welcomed",
                        "post:202", "error:rate_limited", "error:unavailable", "error:bad_request").contains(answer));
        assertThat(hoarderFleet.count("post:202") + hoarderFleet.count("post:404"))
                .as("POSTs of the streams that do not read: accepted, or 404 once the node closed the stream: %s",
                        hoarderFleet.counts()).isEqualTo(hoarding.posted());
        assertThat(hoarderFleet.count("post:lost")).as("POSTs without an answer: %s", hoarderFleet.counts()).isZero();
        assertThat(forgerFleet.count("post:403")).as("POSTs with a wrong secret: %s", forgerFleet.counts())
                .isEqualTo((long) forgers * forgedEach / 2);
        assertThat(forgerFleet.count("post:404")).as("POSTs to a session this node does not hold: %s",
                forgerFleet.counts()).isEqualTo((long) forgers * forgedEach / 2);
        assertThat(forwardStatuses.keySet()).as("answers to POSTs for a node that does not exist: %s", forwardStatuses)
                .isSubsetOf("post:404", "post:503");
        assertThat(forwardStatuses.values().stream().mapToLong(Long::longValue).sum())
                .as("POSTs for a node that does not exist answered: %s", forwardStatuses).isEqualTo(forwarded);
        FaultReport.note("g2-forwarded", "g2: POSTs for sessions of a node that does not exist, by status: "
                + forwardStatuses);
        outcome.assertBounded();
        aftermath().assertNothingRetained("g2", heapBefore, worker.perTest());
    }

    /**
     * 200 identified connections (two per user) subscribe to and unsubscribe from ten presence channels, four
     * rounds, without waiting; 50 anonymous connections try the same channels. Each request is answered
     * ({@code forbidden} for the anonymous ones); a well-behaved member watching one channel throughout ends with
     * the cluster's list, itself alone, and one arriving after the flood gets a churned channel's list, itself
     * alone; once the flood's connections are gone the channels have no members and
     * Redis holds none of their member state, only the joins' and leaves' history.
     */
    @Test
    void presenceChurnIsAnsweredAndLeavesNoMembers() {
        int connections = 200;
        int anonymous = 50;
        int channels = 10;
        int rounds = 4;
        long heapBefore = aftermath().retainedHeap();
        AttackMeasurement measurement = measure("g3");

        List<String> names = new ArrayList<>();
        for (int k = 0; k < channels; k++) {
            names.add("presence-churn." + run + "." + k);
        }
        WsClient watcher = worker.keep(new WsClients())
                .connect(worker.node().ws().token(ClientToken.mint(worker.tokenSecret(), "watcher-" + run)));
        PresenceView view = PresenceView.watch(watcher, names.get(0));

        List<byte[]> churn = DoorFloodRequests.presenceChurn(names, rounds);
        List<byte[]> tries = DoorFloodRequests.subscribes(names);
        FrameFlood members = new FrameFlood(connections, i -> churn, false);
        FrameFlood strangers = new FrameFlood(anonymous, i -> tries, false);
        SocketFleet memberFleet = worker.keep(SocketFleet.open(worker.node(), connections,
                i -> "/switchboard/ws?token=" + ClientToken.mint(worker.tokenSecret(), "churner-" + i / 2), 0, members));
        SocketFleet strangerFleet = worker.keep(SocketFleet.open(worker.node(), anonymous, strangers));
        memberFleet.awaitWelcomed(TIMEOUT);
        strangerFleet.awaitWelcomed(TIMEOUT);
        memberFleet.await("the last ping of every churning connection answered", TIMEOUT,
                () -> members.finished() == connections);
        strangerFleet.await("the last ping of every anonymous connection answered", TIMEOUT,
                () -> strangers.finished() == anonymous);
        memberFleet.await("every churning request answered", TIMEOUT, () -> members.answered() == connections);
        long answers = members.answers();
        Map<String, Long> counts = memberFleet.counts();
        // Whether a churned subscribe got its member list before its own unsubscribe overtook it is a race the
        // flood is meant to run; what must hold is that the node still serves presence on a churned channel: a
        // member arriving now gets the list, every churner's last request having been an unsubscribe.
        String lateUser = "late-" + run;
        WsClient late = worker.keep(new WsClients())
                .connect(worker.node().ws().token(ClientToken.mint(worker.tokenSecret(), lateUser)));
        PresenceView lateView = PresenceView.watch(late, names.get(channels - 1));
        lateView.awaitMembers(Set.of(lateUser), TIMEOUT);
        late.close();
        memberFleet.close();
        strangerFleet.close();
        // Leaves of the closed connections reach the watcher; it ends alone.
        view.awaitMembers(Set.of("watcher-" + run), TIMEOUT);
        List<String> violations = view.violations();
        watcher.close();
        Map<String, List<String>> left = aftermath().awaitNoMembers(names);

        AttackMeasurement.Outcome outcome = measurement.finish("presence churn: " + connections + " identified "
                        + "connections subscribe and unsubscribe " + channels + " presence channels " + rounds
                        + " times without waiting; " + anonymous + " anonymous ones try",
                members.sent() + strangers.sent(), answers + strangerFleet.count("error:forbidden"), null, 1 + channels);

        assertThat(memberFleet.ended()).as("churning connections closed by the node: %s", counts).isZero();
        assertThat(answers).as("answers to the churning connections: %s", counts).isEqualTo(members.sent());
        assertThat(counts.keySet()).as("what the churning connections received: %s", counts)
                .allMatch(answer -> Set.of("subscribed", "unsubscribed", "presence", "join", "leave", "pong", "ping", "welcomed",
                        "error:rate_limited", "error:unavailable", "error:bad_request").contains(answer));
        assertThat(lateView.violations()).as("a member's view of a churned channel after the flood").isEmpty();
        assertThat(strangerFleet.count("error:forbidden")).as("anonymous presence subscribes: %s", strangerFleet.counts())
                .isEqualTo(strangers.sent());
        assertThat(violations).as("the watcher's presence frames, in order").isEmpty();
        assertThat(left).as("members left on the churned channels").allSatisfy((name, list) -> assertThat(list).isEmpty());
        assertThat(aftermath().memberStateKeys("presence-churn." + run + "."))
                .as("member state left in Redis by the churned channels").isEmpty();
        outcome.assertBounded();
        aftermath().assertNothingRetained("g3", heapBefore, worker.perTest());
    }

    // ---- measuring -----------------------------------------------------------------------------------

    private AttackMeasurement measure(String key) {
        return AttackMeasurement.start(key, "steady." + run + "." + key, worker.node(), worker.redis(), worker.memory(),
                worker.perTest());
    }

    /** What a flood left behind on the worker, as it is now (a scenario that broke it leaves a new one). */
    private FloodAftermath aftermath() {
        return new FloodAftermath(worker.node(), worker.memory(), worker.redis(), TIMEOUT);
    }
}
