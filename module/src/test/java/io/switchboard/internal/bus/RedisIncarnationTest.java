package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Redis that comes back older than what it acknowledged (killed with SIGKILL and restarted from
 * its snapshot or append-only file): offsets are never handed out twice, and an offset from before
 * is placed on the channel's line as the rule says.
 */
class RedisIncarnationTest {
    private final Topic topic = Topic.channel("orders");

    @Test
    void aRedisRestartedFromAnOlderSnapshotMovesTheChannelToANewerEpochThatContinuesItsSequence(@TempDir Path dir)
            throws Exception {
        RedisServerProcess redis = RedisServerProcess.start("RedisIncarnationTest-snapshot", FreePorts.one(),
                RedisServerProcess.snapshots(dir));
        RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "incarnation"), "i", 1000, Duration.ofHours(1));
        try {
            bus.start(message -> { });
            List<Offset> before = events(bus).publish(20);
            redis.command("SAVE");
            before.addAll(events(bus).publish(10)); // acknowledged, but not in the snapshot
            redis.kill();
            redis.startAgain();

            List<Offset> after = events(bus).publishOnceWritable(10, "the restart");
            Offset last = before.get(29);
            assertThat(after.get(0).seq()).as("the sequence continues from what the snapshot kept").isEqualTo(21);
            assertThat(after).extracting(Offset::epoch).containsOnly(after.get(0).epoch());
            assertThat(after.get(0).isAfter(last)).as("%s comes after %s", after.get(0), last).isTrue();
            Set<String> handedOut = new HashSet<>();
            before.forEach(offset -> handedOut.add(offset.toString()));
            after.forEach(offset -> assertThat(handedOut.add(offset.toString())).as("%s handed out twice", offset).isTrue());

            // Past what Redis kept: off the line; what is new to it follows the old epoch's end.
            History diverged = bus.history(topic, Optional.of(last), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(diverged.recovered()).isFalse();
            assertThat(diverged.placement().onLine()).isFalse();
            assertThat(diverged.events()).extracting(BusMessage::offset).containsExactlyElementsOf(after);

            // Before the change: on the line, but the snapshot may have lost acknowledged events after it.
            History crossing = bus.history(topic, Optional.of(before.get(14)), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(crossing.placement().onLine()).isTrue();
            assertThat(crossing.recovered()).as("a snapshot is not durable: the client is told").isFalse();
            assertThat(crossing.events()).extracting(m -> m.offset().seq())
                    .containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L, 30L);

            // After the change: an ordinary resume.
            History since = bus.history(topic, Optional.of(after.get(4)), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(since.recovered()).isTrue();
            assertThat(since.events()).extracting(BusMessage::offset).containsExactlyElementsOf(after.subList(5, 10));
        } finally {
            bus.close();
            redis.close();
        }
    }

    @Test
    void aPositionReadAfterARestartMovesTheChannelToANewEpochThatTheNextPublishContinues(@TempDir Path dir)
            throws Exception {
        RedisServerProcess redis = RedisServerProcess.start("RedisIncarnationTest-position", FreePorts.one(),
                RedisServerProcess.snapshots(dir));
        RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "position"), "p", 1000, Duration.ofHours(1));
        try {
            bus.start(message -> { });
            List<Offset> before = events(bus).publish(10);
            redis.command("SAVE");
            before.addAll(events(bus).publish(5)); // acknowledged, but not in the snapshot
            redis.kill();
            redis.startAgain();

            Offset position = Await.until("a position read after the restart", Duration.ofSeconds(20), () -> {
                try {
                    return bus.position(topic).toCompletableFuture().get(5, TimeUnit.SECONDS);
                } catch (Exception notYet) {
                    throw new IllegalStateException("not read yet", notYet);
                }
            }, read -> true);
            assertThat(position.seq()).as("where the snapshot left the sequence").isEqualTo(10);
            assertThat(position.epoch()).isNotEqualTo(before.get(0).epoch());
            assertThat(position.isAfter(before.get(14))).as("%s comes after %s", position, before.get(14)).isTrue();
            List<Offset> after = events(bus).publish(3);
            assertThat(after).extracting(Offset::epoch).containsOnly(position.epoch());
            assertThat(after.get(0).seq()).isEqualTo(11);
            History crossing = bus.history(topic, Optional.of(before.get(14)), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(crossing.placement().onLine()).as("past what the snapshot kept").isFalse();
        } finally {
            bus.close();
            redis.close();
        }
    }

    @Test
    void aRestartThatKeptEveryAcknowledgedWriteLetsOffsetsFromBeforeResumeAsRecovered(@TempDir Path dir)
            throws Exception {
        RedisServerProcess redis = RedisServerProcess.startWithAppendOnlyFile("RedisIncarnationTest-aof", dir);
        RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "durable"), "d", 1000, Duration.ofHours(1));
        try {
            bus.start(message -> { });
            Await.until("the bus seeing appendfsync always with no replica as durable", bus::durable);
            List<Offset> before = events(bus).publish(20);
            redis.kill();
            redis.startAgain();

            List<Offset> after = events(bus).publishOnceWritable(5, "the restart");
            assertThat(after.get(0).seq()).isEqualTo(21);
            assertThat(after.get(0).epoch()).as("a new Redis process: a new epoch").isNotEqualTo(before.get(0).epoch());
            History crossing = bus.history(topic, Optional.of(before.get(9)), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(crossing.recovered()).isTrue();
            assertThat(crossing.events()).extracting(m -> m.offset().seq())
                    .containsExactly(11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
            History atTheEnd = bus.history(topic, Optional.of(before.get(19)), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(atTheEnd.recovered()).isTrue();
            assertThat(atTheEnd.events()).extracting(BusMessage::offset).containsExactlyElementsOf(after);
        } finally {
            bus.close();
            redis.close();
        }
    }

    @Test
    void aDurabilityVerdictCountsOnlyForTheRedisProcessItWasReadFrom(@TempDir Path dir) throws Exception {
        RedisServerProcess redis = RedisServerProcess.startWithAppendOnlyFile("RedisIncarnationTest-verdict", dir);
        RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "verdict"), "v", 1000, Duration.ofHours(1));
        String meta = RedisKeys.key("v", topic, "meta");
        try {
            bus.start(message -> { });
            Await.until("the bus finds Redis durable", bus::durable);
            events(bus).publish(3);
            assertThat(redis.command("HGET", meta, "d")).hasToString("1");
            // The same data, served by a process that fsyncs once a second: not durable. Whenever the
            // bus checks again, the verdict it holds from the first process must not count here.
            redis.killAndStartWith(RedisServerProcess.appendOnlyFile(dir, "everysec"));

            events(bus).publishOnceWritable(1, "the restart");
            assertThat(redis.command("HGET", meta, "d")).hasToString("0");
        } finally {
            bus.close();
            redis.close();
        }
    }

    @Test
    void aRedisThatLostEverythingStartsANewLineAndOldOffsetsCannotBePlaced() throws Exception {
        RedisServerProcess redis = RedisServerProcess.start("RedisIncarnationTest-volatile");
        RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "volatile"), "v", 1000, Duration.ofHours(1));
        try {
            bus.start(message -> { });
            Offset marker = bus.history(topic, Optional.empty(), 0).toCompletableFuture().get(5, TimeUnit.SECONDS).current();
            assertThat(marker.isMarker()).isTrue();
            List<Offset> before = events(bus).publish(5);
            redis.kill();
            redis.startAgain();

            Offset emptyAgain = bus.history(topic, Optional.empty(), 0).toCompletableFuture().get(5, TimeUnit.SECONDS).current();
            assertThat(emptyAgain.isMarker()).isTrue();
            History sinceMarker = bus.history(topic, Optional.of(marker), 10).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(sinceMarker.recovered()).as("Redis restarted after the marker: events may be gone").isFalse();
            List<Offset> after = events(bus).publishOnceWritable(3, "the restart");
            assertThat(after.get(0).seq()).isEqualTo(1);
            assertThat(after.get(0).isAfter(before.get(4))).isTrue();
            History old = bus.history(topic, Optional.of(before.get(4)), 10).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(old.recovered()).isFalse();
            assertThat(old.placement().placed()).isFalse();
        } finally {
            bus.close();
            redis.close();
        }
    }

    private NumberedEvents events(RedisBus bus) {
        return new NumberedEvents(bus, topic);
    }
}
