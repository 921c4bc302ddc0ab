package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Redis bus against a real redis-server: offsets, history, atomic batches, interest. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisBusTest {
    private RedisServerProcess redis;
    private RedisBus bus;
    private final List<BusMessage> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() throws Exception {
        redis = RedisServerProcess.start("RedisBusTest-redis");
        bus = new RedisBus(RedisClients.fromUrl(redis.url(), "test"), "t", 5, Duration.ofHours(1));
        bus.start(received::add);
    }

    @AfterAll
    void stop() throws Exception {
        bus.close();
        redis.close();
    }

    private List<Offset> publish(Topic topic, int count) throws Exception {
        List<Bus.Outgoing> events = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        return bus.publish(events).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void offsetsAreContiguousWithinOneEpoch() throws Exception {
        List<Offset> offsets = new java.util.ArrayList<>(publish(Topic.channel("seq"), 3));
        offsets.addAll(publish(Topic.channel("seq"), 2));
        assertThat(offsets).extracting(Offset::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(offsets).extracting(Offset::epoch).containsOnly(offsets.get(0).epoch());
    }

    @Test
    void subscribedTopicReceivesPublishedEventsAndHoldsOneRedisSubscription() throws Exception {
        Topic topic = Topic.channel("live");
        bus.subscribe(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(redis.subscriberCount("t:ch:live")).isEqualTo(1);
        List<Offset> offsets = publish(topic, 3);
        Await.until("3 events of live received", () -> received.stream().filter(m -> m.topic().equals(topic)).count() >= 3);
        assertThat(received.stream().filter(m -> m.topic().equals(topic)).map(BusMessage::offset)).containsExactlyElementsOf(offsets);
        bus.unsubscribe(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
        Await.until("no Redis subscription to t:ch:live left", () -> redis.subscriberCount("t:ch:live") == 0);
    }

    @Test
    void aFirstSubscribeIsNotTakenForAResubscribeAndEveryTopicReceives() throws Exception {
        List<Topic> resumed = new CopyOnWriteArrayList<>();
        List<BusMessage> heard = new CopyOnWriteArrayList<>();
        RedisBus fresh = new RedisBus(RedisClients.fromUrl(redis.url(), "test-first"), "first", 5, Duration.ofHours(1));
        try {
            fresh.start(new BusListener() {
                @Override
                public void onMessage(BusMessage message) {
                    heard.add(message);
                }

                @Override
                public void onResumed(Topic topic) {
                    resumed.add(topic);
                }
            });
            List<java.util.concurrent.CompletableFuture<Void>> live = new java.util.ArrayList<>();
            for (int i = 0; i < 100; i++) {
                live.add(fresh.subscribe(Topic.channel("first-" + i)).toCompletableFuture());
            }
            java.util.concurrent.CompletableFuture.allOf(live.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 100; i++) {
                fresh.publish(List.of(new Bus.Outgoing(Topic.channel("first-" + i), "{\"event\":\"e\",\"data\":1,\"node\":\"n\"}")))
                        .toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            Await.until("an event on each of the 100 topics", () -> heard.size() >= 100);
            assertThat(heard).extracting(BusMessage::topic).doesNotHaveDuplicates().hasSize(100);
            assertThat(resumed).as("topics announced as resumed").isEmpty();
        } finally {
            fresh.close();
        }
    }

    @Test
    void historyReplaysAfterAnOffsetAndSaysWhenItNoLongerCoversTheGap() throws Exception {
        Topic topic = Topic.channel("hist");
        List<Offset> offsets = publish(topic, 8); // history keeps the last 5: seq 4..8
        History recent = bus.history(topic, Optional.of(offsets.get(4)), 100).toCompletableFuture().get();
        assertThat(recent.recovered()).isTrue();
        assertThat(recent.events()).extracting(m -> m.offset().seq()).containsExactly(6L, 7L, 8L);
        History tooOld = bus.history(topic, Optional.of(offsets.get(0)), 100).toCompletableFuture().get();
        assertThat(tooOld.recovered()).isFalse();
        History upToDate = bus.history(topic, Optional.of(offsets.get(7)), 100).toCompletableFuture().get();
        assertThat(upToDate.recovered()).isTrue();
        assertThat(upToDate.events()).isEmpty();
        History otherEpoch = bus.history(topic, Optional.of(new Offset("other", 7)), 100).toCompletableFuture().get();
        assertThat(otherEpoch.recovered()).isFalse();
        assertThat(otherEpoch.current()).isEqualTo(offsets.get(7));
    }

    @Test
    void aPositionIsWhatHistoryAnswersWithoutAnOffsetAndReadsWaitingBehindOneGoInOneScriptCall() throws Exception {
        Topic published = Topic.channel("pos-published");
        Topic quiet = Topic.channel("pos-quiet");
        publish(published, 3);
        Offset position = bus.position(published).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(position).isEqualTo(bus.history(published, Optional.empty(), 0).toCompletableFuture().get().current());
        assertThat(position.seq()).isEqualTo(3);
        assertThat(bus.position(quiet).toCompletableFuture().get(5, TimeUnit.SECONDS).isMarker()).isTrue();
        assertThat(redis.keyCount()).as("reading creates no key").isEqualTo(redis.keyCountExcluding("pos-quiet"));

        // Redis paused: the first read is in flight and the others queue behind it, so that they all
        // go in the next call, whatever the timing.
        long before = scriptCalls();
        redis.pause();
        List<java.util.concurrent.CompletableFuture<Offset>> reads = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                reads.add(bus.position(i % 2 == 0 ? published : Topic.channel("pos-" + i)).toCompletableFuture());
            }
        } finally {
            redis.resume();
        }
        for (int i = 0; i < 50; i++) {
            Offset read = reads.get(i).get(5, TimeUnit.SECONDS);
            assertThat(i % 2 == 0 ? read.equals(position) : read.isMarker()).as("read %d: %s", i, read).isTrue();
        }
        assertThat(scriptCalls() - before).as("script calls for 50 position reads").isEqualTo(2);
    }

    /** Script calls Redis ran so far (EVALSHA, and EVAL when Redis did not know a script yet). */
    private long scriptCalls() {
        long calls = 0;
        for (String command : List.of("cmdstat_evalsha", "cmdstat_eval")) {
            String stats = redis.info("commandstats", command);
            if (stats != null) {
                calls += Long.parseLong(stats.replaceAll("^calls=(\\d+),.*$", "$1"));
            }
        }
        return calls;
    }

    @Test
    void historyIsReadInPagesBoundedByBytesThatFollowOnFromTheLastOffset() throws Exception {
        RedisBus paged = new RedisBus(RedisClients.fromUrl(redis.url(), "test-pages"), "pages", 100, Duration.ofHours(1));
        try {
            paged.start(message -> { });
            Topic topic = Topic.channel("large");
            String data = "x".repeat(1_000);
            List<Bus.Outgoing> events = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":\"" + data + "\",\"node\":\"" + i + "\"}"));
            }
            List<Offset> offsets = paged.publish(events).toCompletableFuture().get(5, TimeUnit.SECONDS);
            int wireBytes = new BusMessage(topic, offsets.get(0), events.get(0).envelope()).wire().length();
            Offset start = new Offset(offsets.get(0).epoch(), 0);

            // 4,500 bytes: the page stops at the event that reaches the budget (the 5th of ~1,040 bytes).
            History first = paged.history(topic, Optional.of(start), 100, 4_500).toCompletableFuture().get();
            assertThat(first.events()).extracting(BusMessage::offset).containsExactlyElementsOf(offsets.subList(0, 5));
            assertThat(first.events().size() * (long) wireBytes).isLessThan(4_500 + wireBytes);
            assertThat(first.recovered()).isTrue(); // history holds all that follows; more pages bring it
            assertThat(first.gapless()).isTrue();
            assertThat(first.current()).isEqualTo(offsets.get(39));

            // The next page follows on from the last offset of the first; the count bound still holds.
            History second = paged.history(topic, Optional.of(offsets.get(4)), 3, 1_000_000).toCompletableFuture().get();
            assertThat(second.events()).extracting(BusMessage::offset).containsExactlyElementsOf(offsets.subList(5, 8));
            assertThat(second.gapless()).isTrue();

            // An event larger than the budget still comes, alone: a page is never empty while events remain.
            History tiny = paged.history(topic, Optional.of(offsets.get(9)), 100, 1).toCompletableFuture().get();
            assertThat(tiny.events()).extracting(BusMessage::offset).containsExactly(offsets.get(10));

            // The last page reaches the current offset: recovered.
            History last = paged.history(topic, Optional.of(offsets.get(35)), 100, 1_000_000).toCompletableFuture().get();
            assertThat(last.events()).hasSize(4);
            assertThat(last.recovered()).isTrue();
        } finally {
            paged.close();
        }
    }

    @Test
    void historyDropsEventsOlderThanItsAgeLimitAlsoWithoutNewPublishes() throws Exception {
        RedisBus shortLived = new RedisBus(RedisClients.fromUrl(redis.url(), "test-age"), "age", 100, Duration.ofSeconds(1));
        try {
            shortLived.start(message -> { });
            Topic topic = Topic.channel("aging");
            Offset before = shortLived.history(topic, Optional.empty(), 0).toCompletableFuture().get().current();
            Offset first = publishOn(shortLived, topic);
            Thread.sleep(1_300);
            Offset second = publishOn(shortLived, topic);

            // The first event is past the age limit: a client that missed it is told so.
            History sinceBefore = shortLived.history(topic, Optional.of(before), 10).toCompletableFuture().get();
            assertThat(sinceBefore.recovered()).isFalse();
            assertThat(sinceBefore.events()).extracting(BusMessage::offset).containsExactly(second);
            History sinceFirst = shortLived.history(topic, Optional.of(first), 10).toCompletableFuture().get();
            assertThat(sinceFirst.recovered()).isTrue();
            assertThat(sinceFirst.events()).extracting(BusMessage::offset).containsExactly(second);

            // No publish since: a read alone drops what has aged out.
            Thread.sleep(1_300);
            History later = shortLived.history(topic, Optional.of(first), 10).toCompletableFuture().get();
            assertThat(later.recovered()).isFalse();
            assertThat(later.events()).isEmpty();
            assertThat(later.current()).isEqualTo(second);
        } finally {
            shortLived.close();
        }
    }

    @Test
    void historyListsLostOneWithoutTheOtherAreRealigned() throws Exception {
        Topic topic = Topic.channel("realign");
        Offset first = publish(topic, 3).get(0);
        redis.command("DEL", "t:{ch:realign}:history-times");
        History afterLoss = bus.history(topic, Optional.of(first), 10).toCompletableFuture().get();
        assertThat(afterLoss.recovered()).isFalse();
        assertThat(afterLoss.events()).isEmpty();
        Offset next = publish(topic, 1).get(0);
        History replay = bus.history(topic, Optional.of(new Offset(next.epoch(), next.seq() - 1)), 10)
                .toCompletableFuture().get();
        assertThat(replay.recovered()).isTrue();
        assertThat(replay.events()).extracting(BusMessage::offset).containsExactly(next);
    }

    private static Offset publishOn(RedisBus target, Topic topic) throws Exception {
        return target.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":0,\"node\":\"n\"}")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS).get(0);
    }

    @Test
    void aPublishRepeatedWithItsIdempotencyKeyIsPublishedOnce() throws Exception {
        Topic topic = Topic.channel("once");
        List<Bus.Outgoing> batch = List.of(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":1,\"node\":\"n\"}"),
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":2,\"node\":\"n\"}"));
        List<Offset> first = bus.publish(batch, "order-17").toCompletableFuture().get(5, TimeUnit.SECONDS);
        List<Offset> repeated = bus.publish(batch, "order-17").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(repeated).isEqualTo(first);
        List<Offset> other = bus.publish(batch, "order-18").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(other).extracting(Offset::seq).containsExactly(3L, 4L);

        History all = bus.history(topic, Optional.of(new Offset(first.get(0).epoch(), 0)), 10).toCompletableFuture().get();
        assertThat(all.events()).extracting(m -> m.offset().seq()).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aChannelNobodyPublishedToStandsAtAMarkerAndReadingItCreatesNoKey() throws Exception {
        Topic topic = Topic.channel("fresh");
        Offset before = bus.history(topic, Optional.empty(), 0).toCompletableFuture().get().current();
        assertThat(before.isMarker()).isTrue();
        History again = bus.history(topic, Optional.of(before), 10).toCompletableFuture().get();
        assertThat(again.recovered()).isTrue();
        assertThat(redis.command("EXISTS", "t:{ch:fresh}:meta", "t:{ch:fresh}:history", "t:{ch:fresh}:history-times"))
                .isEqualTo(0L);
        Offset first = publish(topic, 1).get(0);
        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.isAfter(before)).isTrue();
        History fromStart = bus.history(topic, Optional.of(before), 10).toCompletableFuture().get();
        assertThat(fromStart.recovered()).isTrue();
        assertThat(fromStart.events()).extracting(BusMessage::offset).containsExactly(first);
    }

    @Test
    void historyIsBoundedByBytesAndAPageStopsAtItsByteBound() throws Exception {
        RedisBus small = new RedisBus(RedisClients.fromUrl(redis.url(), "test-bytes"), "bytes", 1000, 4_000,
                Duration.ofHours(1));
        try {
            small.start(message -> { });
            Topic topic = Topic.channel("big");
            String data = "x".repeat(900);
            List<Offset> offsets = new java.util.ArrayList<>();
            for (int i = 0; i < 10; i++) {
                offsets.add(small.publish(List.of(new Bus.Outgoing(topic,
                        "{\"event\":\"e\",\"data\":\"" + data + "\",\"node\":\"n\"}")))
                        .toCompletableFuture().get(5, TimeUnit.SECONDS).get(0));
            }
            History all = small.history(topic, Optional.of(new Offset(offsets.get(0).epoch(), 0)), 100)
                    .toCompletableFuture().get();
            assertThat(all.events()).as("about 4,000 bytes of ~950-byte events").hasSize(4);
            assertThat(all.events().get(3).offset()).isEqualTo(offsets.get(9));
            assertThat(all.recovered()).isFalse();
            History page = small.history(topic, Optional.of(offsets.get(5)), 100, 1_500).toCompletableFuture().get();
            assertThat(page.events()).extracting(BusMessage::offset).containsExactly(offsets.get(6), offsets.get(7));
            assertThat(page.recovered()).isTrue();
        } finally {
            small.close();
        }
    }

    @Test
    void nodeFiguresNotWrittenBySwitchboardAreSkippedAndTheOthersStillRead() throws Exception {
        bus.announce("node-1", "{\"connections\":3}").toCompletableFuture().get(5, TimeUnit.SECONDS);
        redis.command("HSET", "t:nodes", "stranger", "soon {}", "bare", "garbage");
        assertThat(bus.nodes().toCompletableFuture().get(5, TimeUnit.SECONDS))
                .containsExactly(java.util.Map.entry("node-1", "{\"connections\":3}"));
    }

    @Test
    void aLostMetaKeyStartsANewEpoch() throws Exception {
        Topic topic = Topic.channel("epoch");
        Offset old = publish(topic, 2).get(1);
        redis.command("DEL", "t:{ch:epoch}:meta", "t:{ch:epoch}:history");
        Offset next = publish(topic, 1).get(0);
        assertThat(next.epoch()).isNotEqualTo(old.epoch());
        assertThat(next.seq()).isEqualTo(1);
        assertThat(bus.history(topic, Optional.of(old), 10).toCompletableFuture().get().recovered()).isFalse();
    }
}
