package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisClusterProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis bus against a real three-master Redis Cluster: a batch whose channels hash to different
 * slots is published (one atomic call per slot), in order per channel, and once with an idempotency key;
 * presence is decided in each channel's own slot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClusterBusTest {
    private RedisClusterProcess cluster;
    private RedisBus bus;
    private final List<BusMessage> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        cluster = RedisClusterProcess.start("RedisClusterBusTest-redis", dir, 0);
        bus = new RedisBus(RedisClients.fromYaml(cluster.redissonYaml().toString()), "c", 100, Duration.ofHours(1));
        bus.start(received::add);
    }

    @AfterAll
    void stop() throws Exception {
        if (bus != null) {
            bus.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Channels whose keys hash to {@code count} different slots. */
    private static List<Topic> topicsInDifferentSlots(String prefix, int count) {
        List<Topic> topics = new ArrayList<>();
        Set<Integer> slots = new java.util.HashSet<>();
        for (int i = 0; topics.size() < count; i++) {
            Topic topic = Topic.channel(prefix + i);
            if (slots.add(ClusterSlots.of(RedisKeys.key("c", topic, "meta")))) {
                topics.add(topic);
            }
        }
        return topics;
    }

    /** Three events for each topic, interleaved: a, b, c, a, b, c, ... */
    private static List<Bus.Outgoing> interleaved(List<Topic> topics, int perTopic) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int round = 0; round < perTopic; round++) {
            for (Topic topic : topics) {
                events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + round + ",\"node\":\"n\"}"));
            }
        }
        return events;
    }

    @Test
    void slotsAreComputedAsRedisComputesThem() {
        // Values from the Redis Cluster specification and CLUSTER KEYSLOT.
        assertThat(ClusterSlots.crc16("123456789".getBytes(), 0, 9)).isEqualTo(0x31C3);
        assertThat(ClusterSlots.of("foo")).isEqualTo(12182);
        assertThat(ClusterSlots.of("{user1000}.following")).isEqualTo(ClusterSlots.of("{user1000}.followers"));
        byte[] emptyTag = "foo{}{bar}".getBytes();
        assertThat(ClusterSlots.of("foo{}{bar}")).as("an empty first tag: the whole key is hashed")
                .isEqualTo(ClusterSlots.crc16(emptyTag, 0, emptyTag.length) % ClusterSlots.COUNT);
        assertThat(ClusterSlots.of("foo{{bar}}zap")).isEqualTo(ClusterSlots.of("{bar"));
    }

    @Test
    void positionsOfChannelsInDifferentSlotsAreEachReadInTheirOwnSlot() throws Exception {
        List<Topic> topics = topicsInDifferentSlots("pos", 3);
        List<Offset> published = bus.publish(interleaved(topics.subList(0, 2), 2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<java.util.concurrent.CompletableFuture<Offset>> reads = new ArrayList<>();
        for (Topic topic : topics) {
            reads.add(bus.position(topic).toCompletableFuture());
        }
        assertThat(reads.get(0).get(10, TimeUnit.SECONDS)).isEqualTo(published.get(2));
        assertThat(reads.get(1).get(10, TimeUnit.SECONDS)).isEqualTo(published.get(3));
        assertThat(reads.get(2).get(10, TimeUnit.SECONDS).isMarker()).isTrue();
    }

    @Test
    void aBatchAcrossHashSlotsIsPublishedAndEachChannelKeepsItsOrder() throws Exception {
        List<Topic> topics = topicsInDifferentSlots("spread", 6);
        for (Topic topic : topics) {
            bus.subscribe(topic).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        List<Bus.Outgoing> events = interleaved(topics, 3);

        List<Offset> offsets = bus.publish(events).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(offsets).hasSize(events.size());
        for (int t = 0; t < topics.size(); t++) {
            Topic topic = topics.get(t);
            List<Long> seqs = new ArrayList<>();
            for (int i = t; i < events.size(); i += topics.size()) {
                seqs.add(offsets.get(i).seq());
            }
            assertThat(seqs).as("offsets of %s, in the batch's order", topic).containsExactly(1L, 2L, 3L);
            History history = bus.history(topic, Optional.of(new Offset(offsets.get(t).epoch(), 0)), 100)
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(history.recovered()).isTrue();
            assertThat(history.events()).extracting(m -> m.offset().seq()).containsExactly(1L, 2L, 3L);
        }
        Await.until(events.size() + " live events", () -> received.stream().filter(m -> topics.contains(m.topic())).count()
                >= events.size());
        for (Topic topic : topics) {
            assertThat(received.stream().filter(m -> m.topic().equals(topic)).map(m -> m.offset().seq()))
                    .as("live events of %s", topic).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void aBatchAcrossHashSlotsRepeatedWithItsIdempotencyKeyIsPublishedOnce() throws Exception {
        List<Topic> topics = topicsInDifferentSlots("once", 4);
        List<Bus.Outgoing> events = interleaved(topics, 2);

        List<Offset> first = bus.publish(events, "retry-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
        List<Offset> again = bus.publish(events, "retry-1").toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(again).isEqualTo(first);
        for (Topic topic : topics) {
            String history = RedisKeys.key("c", topic, "history");
            assertThat(cluster.masterOf(history).command("LLEN", history)).as("history length of %s", topic).isEqualTo(2L);
        }
        assertThat(first.stream().map(Offset::seq).collect(Collectors.toSet())).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void presenceOfChannelsInDifferentSlotsIsDecidedInEachChannelsOwnSlot() throws Exception {
        List<String> channels = new ArrayList<>();
        Set<Integer> slots = new java.util.HashSet<>();
        for (int i = 0; channels.size() < 3; i++) {
            String channel = "presence-slot" + i;
            if (slots.add(ClusterSlots.of(RedisKeys.key("c", Topic.presence(channel), "nodes")))) {
                channels.add(channel);
            }
        }
        for (String channel : channels) {
            bus.writePresence(PresenceWrite.full(channel, "node-1", Set.of("alice", "bob"), Duration.ofSeconds(30)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            bus.writePresence(PresenceWrite.full(channel, "node-2", Set.of("bob"), Duration.ofSeconds(30)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(bus.writePresence(PresenceWrite.delta(channel, "node-1", Set.of(), Set.of("bob"), Duration.ofSeconds(30)))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();

            PresenceSnapshot snapshot = bus.presence(channel).toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(snapshot.members()).as("members of %s", channel).containsExactly("alice", "bob");
            assertThat(snapshot.offset().seq()).as("joins of %s: alice, bob", channel).isEqualTo(2);
        }
    }
}
