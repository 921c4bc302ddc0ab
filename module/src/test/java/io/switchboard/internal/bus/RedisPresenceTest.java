package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Presence in a real redis-server ({@code presence.lua}): the same joins and leaves as the in-process
 * bus (see {@link PresenceBusContract}), published on the presence topic's pub/sub channel, with all
 * of a channel's state in one hash slot and nothing left behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisPresenceTest extends PresenceBusContract {
    private RedisServerProcess redis;
    private RedisBus bus;
    private final List<BusMessage> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    void start() {
        redis = RedisServerProcess.start("RedisPresenceTest-redis");
        bus = new RedisBus(RedisClients.fromUrl(redis.url(), "test"), "t", 1000, Duration.ofHours(1));
        bus.start(received::add);
    }

    @AfterAll
    void stop() {
        bus.close();
        redis.close();
    }

    @Override
    protected Bus bus() {
        return bus;
    }

    private void write(PresenceWrite write) throws Exception {
        bus.writePresence(write).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void joinsAndLeavesArePublishedOnThePresenceTopicsChannel() throws Exception {
        Topic topic = Topic.presence("presence-live");
        bus.subscribe(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(redis.subscriberCount("t:pr:presence-live")).isEqualTo(1);

        write(PresenceWrite.full("presence-live", "node-1", Set.of("alice"), Duration.ofSeconds(30)));
        write(PresenceWrite.full("presence-live", "node-1", Set.of(), Duration.ofSeconds(30)));

        Await.until("join and leave received", () -> received.stream().filter(m -> m.topic().equals(topic)).count() == 2);
        assertThat(received.stream().filter(m -> m.topic().equals(topic)).map(BusMessage::envelope))
                .satisfiesExactly(
                        join -> assertThat(join).contains("\"event\":\"join\"", "\"data\":\"alice\"", "\"node\":\"node-1\""),
                        leave -> assertThat(leave).contains("\"event\":\"leave\"", "\"data\":\"alice\""));
        bus.unsubscribe(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void aChannelsStateLivesUnderItsPresenceTopicsHashTagAndExpires() throws Exception {
        write(PresenceWrite.full("presence-keys", "node-1", Set.of("alice"), Duration.ofSeconds(30)));

        assertThat(redis.command("KEYS", "t:*presence-keys*").toString())
                .contains("t:{pr:presence-keys}:nodes", "t:{pr:presence-keys}:of:node-1", "t:{pr:presence-keys}:meta");
        for (String key : List.of("t:{pr:presence-keys}:nodes", "t:{pr:presence-keys}:of:node-1")) {
            long ttl = Long.parseLong(redis.command("TTL", key).toString());
            assertThat(ttl).as("TTL of %s", key).isBetween(1L, 60L);
        }

        write(PresenceWrite.full("presence-keys", "node-1", Set.of(), Duration.ofSeconds(30)));
        assertThat(redis.command("EXISTS", "t:{pr:presence-keys}:nodes", "t:{pr:presence-keys}:of:node-1").toString())
                .as("a channel nobody holds keeps no member state").isEqualTo("0");
    }

    @Test
    void aNodeEntryNotWrittenBySwitchboardCountsAsExpired() throws Exception {
        write(PresenceWrite.full("presence-foreign", "node-1", Set.of("alice"), Duration.ofSeconds(30)));
        redis.command("HSET", "t:{pr:presence-foreign}:nodes", "stranger", "soon");
        redis.command("SADD", "t:{pr:presence-foreign}:of:stranger", "mallory");

        assertThat(bus.presence("presence-foreign").toCompletableFuture().get(5, TimeUnit.SECONDS).members())
                .containsExactly("alice");
        assertThat(redis.command("HEXISTS", "t:{pr:presence-foreign}:nodes", "stranger").toString()).isEqualTo("0");
    }
}
