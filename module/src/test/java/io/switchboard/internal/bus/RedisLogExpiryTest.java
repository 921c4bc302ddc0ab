package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
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

    @Test
    void aPublishAfterTheAgeBoundDropsTheEventsThatOutlivedIt() throws Exception {
        RedisBus shortLived = new RedisBus(RedisClients.fromUrl(redis.url(), "short"), "s", 5, Duration.ofSeconds(1));
        try {
            shortLived.start(message -> { });
            Topic topic = Topic.channel("aged");
            String history = RedisKeys.key("s", topic, "history");
            shortLived.publish(events(topic, 3)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            long published = redisTimeMs();
            Await.until("a second past the publish on Redis's clock", () -> redisTimeMs() > published + 1_000);

            shortLived.publish(events(topic, 1)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(redis.command("LLEN", history)).isEqualTo(1L);
            assertThat(redis.command("LLEN", RedisKeys.key("s", topic, "history-times"))).isEqualTo(1L);
            Object newest = redis.command("LINDEX", history, "0");
            assertThat(redis.command("HGET", RedisKeys.key("s", topic, "meta"), "hb"))
                    .hasToString(String.valueOf(newest.toString().getBytes(StandardCharsets.UTF_8).length));
        } finally {
            shortLived.close();
        }
    }

    @Test
    void historyListsThatExpiredTogetherCountTheirBytesAnewSoTheByteBoundStillKeepsWhatFits() throws Exception {
        // Five events of about 45 bytes fit a bound of 300 bytes; the meta outlives the lists (twice the age bound).
        RedisBus bounded = new RedisBus(RedisClients.fromUrl(redis.url(), "bytes"), "b", 5, 300, Duration.ofMillis(TTL_MS));
        try {
            bounded.start(message -> { });
            Topic topic = Topic.channel("expired-lists");
            String history = RedisKeys.key("b", topic, "history");
            bounded.publish(events(topic, 5)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            redis.command("DEL", history, RedisKeys.key("b", topic, "history-times")); // as when both expire

            bounded.publish(events(topic, 3)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(redis.command("LLEN", history)).as("the events published since the lists expired").isEqualTo(3L);
            long bytes = 0;
            for (Object wire : (List<?>) redis.command("LRANGE", history, "0", "-1")) {
                bytes += wire.toString().getBytes(StandardCharsets.UTF_8).length;
            }
            assertThat(redis.command("HGET", RedisKeys.key("b", topic, "meta"), "hb")).hasToString(String.valueOf(bytes));
        } finally {
            bounded.close();
        }
    }

    private long redisTimeMs() {
        List<?> time = (List<?>) redis.command("TIME");
        return Long.parseLong(time.get(0).toString()) * 1000 + Long.parseLong(time.get(1).toString()) / 1000;
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
        return bus.publish(events(topic, count)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static List<Bus.Outgoing> events(Topic topic, int count) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        return events;
    }
}
