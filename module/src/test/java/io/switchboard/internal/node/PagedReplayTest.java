package io.switchboard.internal.node;

import io.switchboard.internal.testing.ScriptedContainer;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.switchboard.internal.node.NodeHarness.has;
import static io.switchboard.internal.node.NodeHarness.ofOp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays go out in pages bounded by the session's byte budget as the client reads, hold about
 * one page each, and share a node-wide budget; live events follow the replay once, in order.
 */
class PagedReplayTest {
    private static final int QUEUE_BYTES = 64 * 1024;
    private static final int EVENT_DATA = 4_000;
    private static final Duration REPLAY_TIMEOUT = Duration.ofSeconds(20);

    @Test
    void aLongReplayOfLargeEventsGoesOutPageByPageThenLiveEventsOnceInOrder() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.send-queue-bytes", String.valueOf(QUEUE_BYTES),
                "switchboard.history-size", "1000", "switchboard.replay-budget", String.valueOf(10 * 1024 * 1024)))) {
            String epoch = harness.publishLarge("log", 100, EVENT_DATA);
            ScriptedContainer client = new ScriptedContainer("reader");
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            ReplayBudget budget = harness.node.replayBudget();
            connection.onText("{\"op\":\"subscribe\",\"channel\":\"log\",\"since\":\"" + epoch + "-0\",\"id\":1}");

            Peaks peaks = new Peaks(connection, budget);
            readUntil(client, peaks, "30 replayed events read", frames -> ofOp(frames, "event").size() >= 30);
            // Published while the replay is under way: held back, then sent after it.
            for (int i = 0; i < 5; i++) {
                harness.node.api().publish("log", "live", Map.of("i", 101 + i)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            readUntil(client, peaks, "the 100 replayed and 5 live events read", frames -> ofOp(frames, "event").size() >= 105);

            List<JsonNode> frames = client.written();
            List<Long> seqs = new ArrayList<>();
            int subscribedAt = -1;
            for (JsonNode frame : frames) {
                if ("subscribed".equals(frame.path("op").asText())) {
                    subscribedAt = seqs.size();
                    assertThat(frame.path("recovered").asBoolean()).isTrue();
                } else if ("event".equals(frame.path("op").asText())) {
                    String offset = frame.path("offset").asText();
                    seqs.add(Long.parseLong(offset.substring(offset.lastIndexOf('-') + 1)));
                }
            }
            assertThat(seqs).hasSize(105);
            for (int i = 0; i < seqs.size(); i++) {
                assertThat(seqs.get(i)).isEqualTo(i + 1L);
            }
            assertThat(subscribedAt).isEqualTo(100);
            // The queue never held more than its byte budget, the node never more than about one
            // page (half the queue, plus the event that crosses the line) for this replay.
            int frameBytes = frames.get(1).toString().length();
            assertThat(peaks.maxQueued).isLessThanOrEqualTo(QUEUE_BYTES);
            assertThat(peaks.maxHeld).isGreaterThan(0).isLessThanOrEqualTo(QUEUE_BYTES / 2 + frameBytes);
            Await.until("the replay's bytes given back", () -> budget.available() == budget.capacity());
            assertThat(connection.session().isOpen()).isTrue();
        }
    }

    @Test
    void replaysOfSeveralChannelsOnOneConnectionTakeTurnsAndNeverOverflowItsQueue() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.send-queue-bytes", String.valueOf(QUEUE_BYTES),
                "switchboard.history-size", "1000"))) {
            List<String> channels = List.of("a", "b", "c");
            List<String> epochs = new ArrayList<>();
            for (String channel : channels) {
                epochs.add(harness.publishLarge(channel, 40, EVENT_DATA));
            }
            ScriptedContainer client = new ScriptedContainer("reader");
            Connection connection = harness.node.open(client.transport(), Identity.anonymous());
            for (int i = 0; i < channels.size(); i++) {
                connection.onText("{\"op\":\"subscribe\",\"channel\":\"" + channels.get(i) + "\",\"since\":\""
                        + epochs.get(i) + "-0\",\"id\":" + i + "}");
            }
            Peaks peaks = new Peaks(connection, harness.node.replayBudget());
            readUntil(client, peaks, "the three replays answered", frames -> ofOp(frames, "subscribed").size() >= 3);
            assertThat(connection.session().isOpen()).isTrue();
            assertThat(peaks.maxQueued).isLessThanOrEqualTo(QUEUE_BYTES);
            for (String channel : channels) {
                List<Integer> numbers = ofOp(client.written(), "event").stream()
                        .filter(frame -> channel.equals(frame.path("channel").asText()))
                        .map(frame -> frame.path("data").path("i").asInt()).toList();
                assertThat(numbers).as("events of %s", channel).hasSize(40);
                for (int i = 0; i < numbers.size(); i++) {
                    assertThat(numbers.get(i)).isEqualTo(i + 1);
                }
            }
        }
    }

    @Test
    void whenTheNodeReplayBudgetIsSpentAReplayIsAnsweredUnavailableAndSucceedsOnceItIsFree() throws Exception {
        try (NodeHarness harness = new NodeHarness(Map.of("switchboard.send-queue-bytes", String.valueOf(QUEUE_BYTES),
                "switchboard.history-size", "1000", "switchboard.replay-budget", "16384"))) {
            String epoch = harness.publishLarge("log", 20, EVENT_DATA);
            ReplayBudget budget = harness.node.replayBudget();
            String subscribe = "{\"op\":\"subscribe\",\"channel\":\"log\",\"since\":\"" + epoch + "-0\",\"id\":%d}";

            ScriptedContainer sleeper = new ScriptedContainer("sleeper"); // never reads
            Connection sleeping = harness.node.open(sleeper.transport(), Identity.anonymous());
            sleeping.onText(subscribe.formatted(1));
            Await.until("the whole budget held by the client that does not read", () -> budget.available() == 0);

            ScriptedContainer reader = new ScriptedContainer("reader");
            reader.readEverything();
            Connection reading = harness.node.open(reader.transport(), Identity.anonymous());
            reading.onText(subscribe.formatted(2));
            Await.until("the replay refused", () -> has(reader.written(), "error", 2));
            JsonNode refused = reader.written().stream().filter(f -> f.path("id").asInt() == 2).findFirst().orElseThrow();
            assertThat(refused.path("code").asText()).isEqualTo("unavailable");
            assertThat(reader.written()).noneMatch(f -> "event".equals(f.path("op").asText()));

            // The client that never read goes away: its page goes back to the budget.
            harness.node.closed(sleeping);
            assertThat(budget.available()).isEqualTo(budget.capacity());
            reading.onText(subscribe.formatted(3));
            Await.until("the retried replay", () -> has(reader.written(), "subscribed", 3));
            assertThat(ofOp(reader.written(), "event")).hasSize(20);
            assertThat(reading.session().isOpen()).isTrue();
        }
    }

    /** The client reads (its sends complete one at a time) until what it was written satisfies {@code done}. */
    private static void readUntil(ScriptedContainer client, Peaks peaks, String what, Predicate<List<JsonNode>> done) {
        Await.until(what, REPLAY_TIMEOUT, () -> peaks.readUntil(client, done));
    }

    /**
     * The most the session's queue and the node's replay budget held while the client read: sampled before
     * each send the client completes. Only the test thread touches it.
     */
    private static final class Peaks {
        private final Connection connection;
        private final ReplayBudget budget;
        long maxQueued;
        long maxHeld;

        Peaks(Connection connection, ReplayBudget budget) {
            this.connection = connection;
            this.budget = budget;
        }

        /**
         * Completes the client's pending sends one at a time, sampling before each, until what it was written
         * satisfies {@code done} (true) or no send is pending (false: the node has yet to send the next one).
         */
        boolean readUntil(ScriptedContainer client, Predicate<List<JsonNode>> done) {
            while (true) {
                maxQueued = Math.max(maxQueued, connection.session().queuedBytes());
                maxHeld = Math.max(maxHeld, budget.capacity() - budget.available());
                if (done.test(client.written())) {
                    return true;
                }
                if (!client.completeOne()) {
                    return false;
                }
            }
        }
    }
}
