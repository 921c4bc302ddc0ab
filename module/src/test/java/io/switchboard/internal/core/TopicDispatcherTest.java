package io.switchboard.internal.core;

import io.switchboard.internal.testing.HistoryOnlyBus;
import io.switchboard.internal.testing.ScriptedHistoryBus;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.Lineage;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Registry;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordering, de-duplication and gap repair of one topic's events on a node. */
class TopicDispatcherTest {
    private static final java.util.concurrent.ScheduledExecutorService TIMER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "test-timer");
                thread.setDaemon(true);
                return thread;
            });
    private final Topic topic = Topic.channel("news");
    private final LocalBus history = new LocalBus(100, java.time.Duration.ofHours(1));
    private final List<Long> delivered = new java.util.concurrent.CopyOnWriteArrayList<>(); // also written by the retry timer
    private final List<Offset> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Registry registry = new Registry(new Registry.InterestListener() {
        @Override
        public void interested(Topic topic) {
        }

        @Override
        public void uninterested(Topic topic) {
        }
    });
    private final TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, history, new NodeStats(), 100, TIMER);

    TopicDispatcherTest() {
        registry.add(topic, new io.switchboard.internal.registry.Subscriber() {
            @Override
            public void deliver(Delivery delivery) {
                delivered.add(delivery.offset().seq());
            }

            @Override
            public void lost(Offset resumeAt) {
                told.add(resumeAt);
            }
        });
    }

    /** Publishes {@code count} events into the history, returning them as the bus would carry them. */
    private List<BusMessage> publish(int count) {
        return publish(history, count);
    }

    private List<BusMessage> publish(LocalBus bus, int count) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        List<Offset> offsets = bus.publish(events).toCompletableFuture().join();
        List<BusMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(new BusMessage(topic, offsets.get(i), events.get(i).envelope()));
        }
        return messages;
    }

    @Test
    void aMissedEventIsFetchedFromHistoryBeforeTheNextIsDelivered() {
        List<BusMessage> messages = publish(5);
        dispatcher.onMessage(messages.get(0));
        dispatcher.onMessage(messages.get(1));
        dispatcher.onMessage(messages.get(3)); // 3 (seq 3) was dropped by pub/sub
        dispatcher.onMessage(messages.get(4));
        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void duplicatesAreDeliveredOnce() {
        List<BusMessage> messages = publish(3);
        messages.forEach(dispatcher::onMessage);
        messages.forEach(dispatcher::onMessage);
        assertThat(delivered).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aGapNoLongerInHistoryIsSkippedSoDeliveryGoesOn() {
        LocalBus shortHistory = new LocalBus(1, java.time.Duration.ofHours(1));
        TopicDispatcher forgetful = new TopicDispatcher(topic, registry, shortHistory, new NodeStats(), 100, TIMER);
        List<Offset> offsets = shortHistory.publish(List.of(
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"),
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"),
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"))).toCompletableFuture().join();
        forgetful.onMessage(new BusMessage(topic, offsets.get(0), "{\"event\":\"e\",\"node\":\"n\"}"));
        forgetful.onMessage(new BusMessage(topic, offsets.get(2), "{\"event\":\"e\",\"node\":\"n\"}"));
        assertThat(delivered).containsExactly(1L, 3L);
        assertThat(told).as("subscribers are told that event 2 is gone").containsExactly(new Offset(offsets.get(0).epoch(), 2));
        assertThat(shortHistory.history(topic, Optional.of(offsets.get(0)), 10).toCompletableFuture().join().recovered()).isFalse();
    }

    private static final String E1 = Offset.epochAt(1_000_000, "AAAA");
    private static final String E2 = Offset.epochAt(2_000_000, "BBBB");

    private BusMessage message(String epoch, long seq) {
        return new BusMessage(topic, new Offset(epoch, seq), "{\"event\":\"e\",\"node\":\"n\"}");
    }

    /** A dispatcher over a bus whose history always answers {@code answer}. */
    private TopicDispatcher over(History answer) {
        return new TopicDispatcher(topic, registry, new ScriptedHistoryBus(answer), new NodeStats(), 100, TIMER);
    }

    @Test
    void aNewerEpochThatContinuesTheLineIsDeliveredWithoutANotice() {
        TopicDispatcher redisRestarted = over(new History(new Offset(E2, 21), false,
                List.of(message(E2, 21)), new Lineage.Placement(20, true, false)));
        redisRestarted.onMessage(message(E1, 19));
        redisRestarted.onMessage(message(E1, 20));
        redisRestarted.onMessage(message(E2, 21));
        redisRestarted.onMessage(message(E2, 22));
        assertThat(delivered).containsExactly(19L, 20L, 21L, 22L);
        assertThat(told).isEmpty();
    }

    @Test
    void aNodeThatDeliveredPastWhereRedisWentBackTellsItsSubscribersThenGoesOnInTheNewEpoch() {
        // Delivered up to e1-30; Redis came back from a snapshot at 20 and handed out e2-21.
        TopicDispatcher redisWentBack = over(new History(new Offset(E2, 21), false,
                List.of(message(E2, 21)), new Lineage.Placement(20, false, false)));
        redisWentBack.onMessage(message(E1, 29));
        redisWentBack.onMessage(message(E1, 30));
        redisWentBack.onMessage(message(E2, 21));
        redisWentBack.onMessage(message(E2, 22));
        assertThat(delivered).containsExactly(29L, 30L, 21L, 22L);
        assertThat(told).containsExactly(new Offset(E2, 20));
    }

    @Test
    void anEventOfAnOlderEpochAfterANewerOneIsDroppedAsStale() {
        TopicDispatcher dispatcher = over(new History(new Offset(E2, 5), true, List.of(), new Lineage.Placement(5, true, true)));
        dispatcher.onMessage(message(E2, 5));
        dispatcher.onMessage(message(E1, 6));
        dispatcher.onMessage(message(E2, 6));
        assertThat(delivered).containsExactly(5L, 6L);
        assertThat(told).isEmpty();
    }

    @Test
    void aLineLostWithRedisIsToldAndDeliveredFromItsStart() {
        // The first read cannot place e1-7; the second, from the start of the line, gets e2-1 and e2-2.
        List<History> answers = new ArrayList<>(List.of(
                new History(new Offset(E2, 2), false, List.of(), Lineage.Placement.NOWHERE),
                new History(new Offset(E2, 2), true, List.of(message(E2, 1), message(E2, 2)), new Lineage.Placement(0, true, true))));
        TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, new ScriptedHistoryBus(answers), new NodeStats(), 100, TIMER);
        dispatcher.onMessage(message(E1, 7));
        dispatcher.onMessage(message(E2, 2));
        assertThat(delivered).containsExactly(7L, 1L, 2L);
        assertThat(told).containsExactly(new Offset(E2, 0));
    }

    @Test
    void aHistoryReadThatFailsWhileRedisComesBackIsRetriedInsteadOfGivingUp() throws Exception {
        List<History> answers = new ArrayList<>();
        answers.add(null);
        answers.add(new History(new Offset(E2, 21), true, List.of(message(E2, 21)), new Lineage.Placement(20, true, true)));
        ScriptedHistoryBus bus = new ScriptedHistoryBus(answers);
        TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, bus, new NodeStats(), 100, TIMER);
        dispatcher.onMessage(message(E1, 20));
        dispatcher.onMessage(message(E2, 21));
        Await.until("both events delivered after the retried read", () -> delivered.size() >= 2);
        assertThat(delivered).containsExactly(20L, 21L);
        assertThat(told).isEmpty();
        assertThat(bus.reads).isEqualTo(2);
    }

    @Test
    void liveEventsHeldBackBeyondTheByteBoundAreLetGoAndReadFromHistoryInstead() {
        // 300 events of ~20 KB (6 MB, above the 4 MiB a topic holds back), the first one missed on the bus:
        // every later one waits for the gap to be repaired, until the bound lets the newest go.
        LocalBus big = new LocalBus(1000, java.time.Duration.ofHours(1));
        HoldingHistory holding = new HoldingHistory(big);
        TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, holding, new NodeStats(), 1000, TIMER);
        String data = "x".repeat(20_000);
        List<BusMessage> messages = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String envelope = "{\"event\":\"e\",\"data\":\"" + data + "\",\"node\":\"n\"}";
            Offset offset = big.publish(List.of(new Bus.Outgoing(topic, envelope))).toCompletableFuture().join().get(0);
            messages.add(new BusMessage(topic, offset, envelope));
        }
        dispatcher.baseline(new Offset(messages.get(0).offset().epoch(), 0));
        messages.subList(1, 300).forEach(dispatcher::onMessage); // seq 1 lost: all wait, history does not answer yet
        holding.release(); // history answers now
        assertThat(delivered).hasSize(300);
        assertThat(delivered).isSorted().doesNotHaveDuplicates();
        assertThat(told).isEmpty();
    }

    /** Makes the topic large (the test's subscriber and 64 more): it is drained on the large topics' pool. */
    private List<List<Long>> largeTopic() {
        List<List<Long>> seen = new ArrayList<>(List.of(delivered));
        while (seen.size() <= TopicDispatcher.INLINE_FANOUT) {
            List<Long> mine = new ArrayList<>();
            seen.add(mine);
            registry.add(topic, (io.switchboard.internal.registry.Subscriber) delivery -> mine.add(delivery.offset().seq()));
        }
        return seen;
    }

    /** Runs what the stalled pool was given, and what that gives it, until it has nothing left. */
    private static void catchUp(List<Runnable> pool) {
        while (!pool.isEmpty()) {
            pool.remove(0).run();
        }
    }

    private static List<Long> seqs(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void aFloodOfALargeTopicWhoseFanOutsStallIsHeldUpToTheBoundAndTheRestReadFromHistory() {
        List<List<Long>> seen = largeTopic();
        List<Runnable> pool = new ArrayList<>(); // the large topics' pool: runs only when the test says
        LocalBus bus = new LocalBus(10_000, java.time.Duration.ofHours(1));
        NodeStats stats = new NodeStats();
        TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, bus, stats, 1000, TIMER, pool::add);
        int flood = TopicInbox.MAX_MESSAGES * 2;
        List<BusMessage> messages = publish(bus, flood);

        for (BusMessage message : messages.subList(0, flood - 100)) {
            dispatcher.onMessage(message);
            assertThat(dispatcher.queuedMessages()).isLessThanOrEqualTo(TopicInbox.MAX_MESSAGES);
        }
        assertThat(dispatcher.queuedMessages()).isEqualTo(TopicInbox.MAX_MESSAGES);
        assertThat(delivered).isEmpty();
        catchUp(pool); // history reads answer at once
        assertThat(delivered).as("what the inbox refused came from history, with nothing more arriving live")
                .containsExactlyElementsOf(seqs(1, flood));
        messages.subList(flood - 100, flood).forEach(dispatcher::onMessage); // late on pub/sub: already read from history
        List<BusMessage> more = publish(bus, 10);
        more.forEach(dispatcher::onMessage);
        catchUp(pool);

        for (List<Long> subscriber : seen) {
            assertThat(subscriber).containsExactlyElementsOf(seqs(1, flood + 10));
        }
        assertThat(told).isEmpty();
        assertThat(stats.snapshot().get("gapRepairs")).isEqualTo(1L);
        assertThat(dispatcher.queuedMessages()).isZero();
    }

    @Test
    void whatTheInboxRefusedAndHistoryNoLongerHoldsIsToldThenDeliveryGoesOn() {
        List<List<Long>> seen = largeTopic();
        List<Runnable> pool = new ArrayList<>();
        LocalBus shortHistory = new LocalBus(1000, java.time.Duration.ofHours(1));
        TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, shortHistory, new NodeStats(), 1000, TIMER, pool::add);
        int flood = TopicInbox.MAX_MESSAGES * 2;
        List<BusMessage> messages = publish(shortHistory, flood);

        messages.forEach(dispatcher::onMessage);
        catchUp(pool);

        List<Long> expected = new ArrayList<>(seqs(1, TopicInbox.MAX_MESSAGES));
        expected.addAll(seqs(flood - 999, flood)); // what history still holds
        for (List<Long> subscriber : seen) {
            assertThat(subscriber).containsExactlyElementsOf(expected);
        }
        assertThat(told).containsExactly(new Offset(messages.get(0).offset().epoch(), flood - 1000));
    }

    /** A bus whose history reads complete only when the test says so: what arrives meanwhile is held back. */
    private static final class HoldingHistory extends HistoryOnlyBus {
        private final List<Runnable> pending = new ArrayList<>(); // only the test's thread touches it
        private final LocalBus history;

        HoldingHistory(LocalBus history) {
            this.history = history;
        }

        void release() {
            while (!pending.isEmpty()) {
                List<Runnable> now = new ArrayList<>(pending);
                pending.clear();
                now.forEach(Runnable::run);
            }
        }

        @Override
        public java.util.concurrent.CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
            java.util.concurrent.CompletableFuture<History> answer = new java.util.concurrent.CompletableFuture<>();
            pending.add(() -> history.history(topic, since, limit, maxBytes).thenAccept(answer::complete));
            return answer;
        }
    }
}
