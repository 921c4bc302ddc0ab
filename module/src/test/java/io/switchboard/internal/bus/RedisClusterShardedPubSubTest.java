package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisClusterProcess;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two buses (two nodes) on a real three-master Redis 7 Cluster: they choose sharded pub/sub, events and presence
 * changes published through one reach the other through SPUBLISH/SSUBSCRIBE on the shard owning the topic's
 * slot, and the masters not owning it carry none of that traffic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisClusterShardedPubSubTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RedisClusterProcess cluster;
    private RedisBus publisher;
    private RedisBus subscriber;
    private final List<BusMessage> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start(@TempDir Path dir) {
        cluster = RedisClusterProcess.start("RedisClusterShardedPubSubTest-redis", dir, 0);
        publisher = bus();
        subscriber = bus();
        publisher.start(message -> { });
        subscriber.start(received::add);
    }

    private RedisBus bus() {
        return new RedisBus(RedisClients.fromYaml(cluster.redissonYaml().toString()), "s", 100, Duration.ofHours(1));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {publisher, subscriber, cluster}) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ignored) {
                // closing the rest anyway
            }
        }
    }

    @Test
    void redisSevenMastersAreRecognisedAsSupportingShardedPubSubAndOlderOnesAreNot() throws Exception {
        assertThat(publisher.pubSub.mode().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(PubSubMode.SHARDED);
        assertThat(PubSubDetection.supportsSharded("7.0.15")).isTrue();
        assertThat(PubSubDetection.supportsSharded("8.2.1")).isTrue();
        assertThat(PubSubDetection.supportsSharded("6.2.14")).isFalse();
        assertThat(PubSubDetection.supportsSharded(null)).isFalse();
        assertThat(PubSubDetection.supportsSharded("x")).isFalse();
    }

    @Test
    void eventsCrossNodesThroughTheShardOwningTheTopicAndNoOtherMasterCarriesThem() throws Exception {
        Topic topic = Topic.channel("sharded-news");
        String channel = RedisKeys.shardedPubSubName("s", topic);
        assertThat(ClusterSlots.of(channel)).as("the channel is in the slot of the topic's keys")
                .isEqualTo(ClusterSlots.of(RedisKeys.key("s", topic, "meta")));
        subscriber.subscribe(topic).toCompletableFuture().get(10, TimeUnit.SECONDS);
        RedisServerProcess owner = cluster.masterOf(channel);
        List<RedisServerProcess> others = mastersOtherThan(owner);
        long spublishedBefore = spublishCalls(owner);
        List<Long> othersBefore = others.stream().map(RedisClusterShardedPubSubTest::spublishCalls).toList();

        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        publisher.publish(events).toCompletableFuture().get(10, TimeUnit.SECONDS);

        Await.until("20 events on the subscribing bus", TIMEOUT,
                () -> received.stream().filter(m -> m.topic().equals(topic)).count() == 20);
        assertThat(received.stream().filter(m -> m.topic().equals(topic)).map(m -> m.offset().seq()))
                .as("in publish order, none missing").containsExactlyElementsOf(
                        java.util.stream.LongStream.rangeClosed(1, 20).boxed().toList());
        assertThat(spublishCalls(owner) - spublishedBefore).as("SPUBLISH calls on the owning master").isEqualTo(20);
        assertThat(shardSubscribers(owner, channel)).as("sharded subscribers on the owning master").isEqualTo(1);
        assertThat(classicSubscribers(owner, RedisKeys.pubSubName("s", topic))).isZero();
        for (int i = 0; i < others.size(); i++) {
            RedisServerProcess other = others.get(i);
            assertThat(spublishCalls(other) - othersBefore.get(i)).as("SPUBLISH calls on %s, which does not own the slot", other).isZero();
            assertThat(shardSubscribers(other, channel)).as("sharded subscribers on %s", other).isZero();
            assertThat(classicSubscribers(other, RedisKeys.pubSubName("s", topic))).isZero();
        }
    }

    @Test
    void presenceJoinsCrossNodesThroughShardedPubSub() throws Exception {
        Topic topic = Topic.presence("sharded-room");
        subscriber.subscribe(topic).toCompletableFuture().get(10, TimeUnit.SECONDS);

        publisher.writePresence(PresenceWrite.full("sharded-room", "node-1", Set.of("alice"), Duration.ofSeconds(30)))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);

        Await.until("alice's join on the subscribing bus", TIMEOUT, () -> received.stream()
                .anyMatch(m -> m.topic().equals(topic) && m.envelope().contains("\"alice\"")));
        assertThat(shardSubscribers(cluster.masterOf(RedisKeys.shardedPubSubName("s", topic)),
                RedisKeys.shardedPubSubName("s", topic))).isEqualTo(1);
    }

    private List<RedisServerProcess> mastersOtherThan(RedisServerProcess owner) {
        List<RedisServerProcess> others = new ArrayList<>(cluster.nodes());
        others.remove(owner);
        assertThat(others).hasSize(2);
        return others;
    }

    /** {@code calls} of {@code cmdstat_spublish} in {@code INFO commandstats} (scripts' calls included). */
    private static long spublishCalls(RedisServerProcess master) {
        String stat = master.info("commandstats", "cmdstat_spublish");
        if (stat == null) {
            return 0;
        }
        String calls = stat.substring(stat.indexOf("calls=") + "calls=".length());
        return Long.parseLong(calls.substring(0, calls.indexOf(',')));
    }

    private static long shardSubscribers(RedisServerProcess master, String channel) {
        return (Long) ((List<?>) master.command("PUBSUB", "SHARDNUMSUB", channel)).get(1);
    }

    private static long classicSubscribers(RedisServerProcess master, String channel) {
        return master.subscriberCount(channel);
    }
}
