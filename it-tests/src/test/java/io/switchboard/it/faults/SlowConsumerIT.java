package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.DeliveryTally;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.JvmHeap;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.RawWebSocket;
import io.switchboard.it.support.ServerNode;
import io.switchboard.it.support.StreamPublisher;
import io.switchboard.it.support.SubscriberGroup;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One client among 300 on a node stops reading (a raw socket with a 4 KiB receive buffer that is no longer
 * read), like a stalled browser tab. Once the kernel buffers are full and its send queue (1024 frames by
 * default) overflows, the node closes it with 1013: when the client reads again it finds the start of the
 * stream without a gap, then that close frame. The 299 others receive every event, in order, once, and stay
 * connected; the node's heap after a full GC is back to what it was before (the dropped queue is not retained).
 */
class SlowConsumerIT extends FaultScenario {

    private static final int CLIENTS = 300;
    private static final int SEND_QUEUE = 1024;
    /** Enough stream events to overflow the queue even if the kernel buffers had taken nothing. */
    private static final int STREAM_EVENTS = SEND_QUEUE + 300;
    /** Large events only the slow client subscribes to: they fill the kernel buffers between node and client. */
    private static final int BALLAST_EVENTS = 160;
    private static final int BALLAST_BYTES = 60 * 1024;
    private static final long HEAP_SLACK_BYTES = 16L * 1024 * 1024;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(15);


    @Test
    void clientThatStopsReadingIsClosedWithTryAgainLaterWhileTheOthersGetEveryEventAndTheHeapStaysBounded() throws IOException {
        long testStart = System.nanoTime();
        RedisServerProcess redis = keep(RedisServerProcess.start("SlowConsumerIT-redis"));
        // This scenario is about the frame bound (1024): the ballast (160 events of 60 KiB, published before the
        // client reads them) must fit the byte bound, which is 1 MiB by default.
        Cluster cluster = keep(Cluster.start("SlowConsumerIT", 1, redis,
                Map.of("switchboard.send-queue-bytes", String.valueOf(16 * 1024 * 1024))));
        ServerNode node = cluster.node(1);
        String stream = "slow.stream";
        String ballast = "slow.ballast";
        SubscriberGroup others = keep(SubscriberGroup.start("reader", cluster.nodes(), 0, CLIENTS - 1, stream, START_TIMEOUT));
        RawWebSocket slow = keep(RawWebSocket.open(node, 4096));
        assertThat(slow.status()).as("handshake of the slow client: %s", slow.responseHead()).isEqualTo(101);
        assertThat(Json.parse(slow.readText(READ_TIMEOUT)).path("op").asText()).isEqualTo("welcome");
        slow.sendText("{\"op\":\"subscribe\",\"channel\":\"" + ballast + "\",\"id\":1}");
        slow.sendText("{\"op\":\"subscribe\",\"channel\":\"" + stream + "\",\"id\":2}");
        Offset streamStart = null;
        while (streamStart == null) {
            JsonNode frame = Json.parse(slow.readText(READ_TIMEOUT));
            if ("subscribed".equals(frame.path("op").asText()) && stream.equals(frame.path("channel").asText())) {
                streamStart = Offset.parse(frame.path("offset").asText());
            }
        }
        // A first round of ballast while the client still reads: whatever the node caches per thread for large
        // events is then in place before the heap is measured.
        String filler = "x".repeat(BALLAST_BYTES);
        for (int i = 0; i < BALLAST_EVENTS; i++) {
            node.api().publishAccepted(ballast, "ballast", Map.of("i", i, "filler", filler));
        }
        for (int read = 0; read < BALLAST_EVENTS; ) {
            JsonNode frame = Json.parse(slow.readText(READ_TIMEOUT));
            if (ballast.equals(frame.path("channel").asText())) {
                read++;
            }
        }
        JsonNode figuresBefore = figures(node);
        long heapBefore = JvmHeap.usedAfterFullGc(node.handle().pid());

        // From here on the slow client reads nothing, until its queue has certainly overflowed.
        for (int i = 0; i < BALLAST_EVENTS; i++) {
            node.api().publishAccepted(ballast, "ballast", Map.of("i", i, "filler", filler));
        }
        StreamPublisher publisher = keep(StreamPublisher.start(stream, cluster.nodes(), 2, Duration.ZERO));
        // The node hands each event to all its subscribers at once: when the others have more stream events than
        // the queue holds, so has the slow client's queue been offered (on top of the ballast the kernel could not take).
        others.awaitAll("received more than " + SEND_QUEUE + " stream events", DELIVERY_TIMEOUT,
                client -> client.receivedCount(stream) > SEND_QUEUE);
        int acknowledgedWhenOverflowed = publisher.acknowledged().size();

        // Then it reads again, as a stalled client would: a gap-free start of the stream, then the close.
        List<Long> slowSeqs = new ArrayList<>();
        SlowEnd end = readUntilClose(slow, stream, slowSeqs);
        publisher.awaitMoreAcknowledged(Math.max(1, STREAM_EVENTS - publisher.acknowledged().size()), DELIVERY_TIMEOUT);
        publisher.stop();
        Collection<String> acknowledged = publisher.acknowledged().values();
        DeliveryTally tally = others.awaitDelivery(acknowledged, DELIVERY_TIMEOUT);
        long heapAfter = JvmHeap.usedAfterFullGc(node.handle().pid());
        JsonNode figuresAfter = figures(node);
        FaultReport.record(new FaultReport.Scenario("d", "(d) 1 client stops reading among " + CLIENTS
                + " on one node: the " + (CLIENTS - 1) + " others", publisher.published(), acknowledged.size(), tally,
                "n/a", Faults.since(testStart)));
        FaultReport.note("d", String.format(Locale.ROOT, "(d) the client that stopped reading had been offered more than "
                        + "its queue holds once %d stream events were acknowledged; reading again then, it got %d of them, "
                        + "then %s; node heap after a full GC: "
                        + "%.1f MiB before, %.1f MiB after; slowConsumersClosed in /api/stats: %s before, %s after",
                acknowledgedWhenOverflowed, slowSeqs.size(), end, heapBefore / 1048576.0, heapAfter / 1048576.0,
                figuresBefore.path("slowConsumersClosed"), figuresAfter.path("slowConsumersClosed")));

        assertThat(end.closeCode()).as("how the connection of the client that stopped reading ended: %s", end)
                .isEqualTo(1013);
        assertThat(tally.lost()).as("acknowledged events lost by the other clients: %s", tally).isZero();
        assertThat(tally.duplicated()).as("events duplicated: %s", tally).isZero();
        assertThat(tally.outOfOrder()).as("events out of order: %s", tally).isZero();
        assertThat(tally.delivered()).isEqualTo((long) (CLIENTS - 1) * acknowledged.size());
        assertThat(others.clients()).allSatisfy(client ->
                assertThat(client.connections()).as("%s: connections", client).isEqualTo(1));
        for (int i = 0; i < slowSeqs.size(); i++) {
            assertThat(slowSeqs.get(i)).as("sequence of stream event %d received by the slow client", i)
                    .isEqualTo(streamStart.seq() + 1 + i);
        }
        assertThat(slowSeqs.size()).as("stream events that reached the slow client").isLessThan(acknowledged.size());
        assertThat(heapAfter).as("node heap after a full GC, before: %d bytes", heapBefore)
                .isLessThan(heapBefore + HEAP_SLACK_BYTES);
        assertThat(figuresAfter.path("connections").asInt()).as("connections on the node").isEqualTo(CLIENTS - 1);
        assertThat(figuresAfter.path("slowConsumersClosed").asLong() - figuresBefore.path("slowConsumersClosed").asLong())
                .as("slowConsumersClosed in /switchboard/api/stats (before %s, after %s)", figuresBefore, figuresAfter)
                .isEqualTo(1);
    }

    /** How the slow client's connection ended: a close frame's code, or -1 and what happened instead. */
    private record SlowEnd(int closeCode, String detail) {

        @Override
        public String toString() {
            return closeCode == -1 ? "no close frame (" + detail + ")" : "close " + closeCode + " " + detail;
        }
    }

    /** Reads messages until the close frame; collects the sequence numbers of {@code channel}'s events. */
    private static SlowEnd readUntilClose(RawWebSocket socket, String channel, List<Long> seqs) {
        int messages = 0;
        while (true) {
            RawWebSocket.Frame frame;
            try {
                frame = socket.read(READ_TIMEOUT);
            } catch (IOException e) {
                return new SlowEnd(-1, e.getMessage() + " after " + messages + " messages");
            }
            messages++;
            if (frame.opcode() == RawWebSocket.CLOSE) {
                return new SlowEnd(frame.closeCode(), "after " + messages + " messages");
            }
            if (frame.opcode() == RawWebSocket.TEXT) {
                JsonNode json = Json.parse(frame.text());
                if ("event".equals(json.path("op").asText()) && channel.equals(json.path("channel").asText())) {
                    seqs.add(Offset.parse(json.path("offset").asText()).seq());
                }
            }
        }
    }

    /** This node's figures from {@code GET /switchboard/api/stats}. */
    private static JsonNode figures(ServerNode node) {
        return node.api().get("/switchboard/api/stats").json().path("node");
    }

}
