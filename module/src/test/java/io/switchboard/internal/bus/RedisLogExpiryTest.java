package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The expiries of a topic's log keys (publish.lua pushes them out only every 1/8 of the history age, that much
 * further than the bound): nothing expires before its time, also when a key was lost alone or another version of
 * the script wrote the topic in between.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisLogExpiryTest {
    private static final long TTL_MS = Duration.ofHours(1).toMillis();
    private RedisServerProcess redis;
    private RedisBus bus;

    @BeforeAll
    void start() {
        redis = RedisServerProcess.start("RedisLogExpiryTest-redis");
        bus = new RedisBus(RedisClients.fromUrl(redis.url(), "expiry"), "x", 5, Duration.ofMillis(TTL_MS));
        bus.start(message -> { });
    }

    @AfterAll
    void stop() throws Exception {
        bus.close();
        redis.close();
    }

    @Test
    void afterAPublishTheHistoryOutlivesTheAgeBoundAndTheMetaTwiceIt() throws Exception {
        Topic topic = Topic.channel("bounds");
        publish(topic, 7);
        assertLivesAtLeast(key(topic, "history"), TTL_MS);
        assertLivesAtLeast(key(topic, "history-times"), TTL_MS);
        assertLivesAtLeast(key(topic, "meta"), 2 * TTL_MS);
        assertThat(pttl(key(topic, "history"))).as("at most 1/8 of the bound longer").isLessThanOrEqualTo(TTL_MS * 9 / 8);
    }

    @Test
    void aHistoryListLostAloneGetsItsExpiryBackWithTheNextPublish() throws Exception {
        Topic topic = Topic.channel("lost-list");
        publish(topic, 2);
        redis.command("DEL", key(topic, "history"));
        publish(topic, 1);
        assertLivesAtLeast(key(topic, "history"), TTL_MS);
        redis.command("DEL", key(topic, "history"), key(topic, "history-times"));
        publish(topic, 1);
        assertLivesAtLeast(key(topic, "history"), TTL_MS);
        assertLivesAtLeast(key(topic, "history-times"), TTL_MS);
    }

    @Test
    void expiriesSetShorterByAWriterThatKeepsItsOwnArePushedOutAgainByTheNextPublish() throws Exception {
        Topic topic = Topic.channel("rolling");
        List<Offset> offsets = publish(topic, 2);
        // What a writer that sets every expiry on every publish leaves (the previous version of the script,
        // during a rolling upgrade): the next seq, its event, and expiries counted from its own publish.
        String meta = key(topic, "meta");
        redis.command("HINCRBY", meta, "seq", "1");
        redis.command("RPUSH", key(topic, "history"), offsets.get(0).epoch() + "-3 {\"event\":\"e\",\"node\":\"n\"}");
        redis.command("RPUSH", key(topic, "history-times"), String.valueOf(System.currentTimeMillis()));
        redis.command("EXPIRE", meta, "5");
        redis.command("EXPIRE", key(topic, "history"), "5");
        redis.command("EXPIRE", key(topic, "history-times"), "5");

        assertThat(publish(topic, 1)).extracting(Offset::seq).containsExactly(4L);
        assertLivesAtLeast(key(topic, "history"), TTL_MS);
        assertLivesAtLeast(key(topic, "history-times"), TTL_MS);
        assertLivesAtLeast(meta, 2 * TTL_MS);
    }

    /** Allows for the time the test took since the publish (well under a minute). */
    private void assertLivesAtLeast(String key, long ms) {
        assertThat(pttl(key)).as("%s's time to live", key).isGreaterThan(ms - 60_000);
    }

    private long pttl(String key) {
        return (Long) redis.command("PTTL", key);
    }

    private static String key(Topic topic, String suffix) {
        return RedisKeys.key("x", topic, suffix);
    }

    private List<Offset> publish(Topic topic, int count) throws Exception {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        return bus.publish(events).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
