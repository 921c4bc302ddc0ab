package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis bus while redis-server is stopped and after it restarts (empty) on the same port. */
class RedisOutageTest {
    /** Redisson notices a lost connection and reconnects on its own schedule (seconds, with retries). */
    private static final Duration OUTAGE_TIMEOUT = Duration.ofSeconds(40);

    @Test
    void busReportsNotReceivingWhileRedisIsDownRefusesPublishesAndResumesAfterwards() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start("RedisOutageTest-redis")) {
            List<BusMessage> received = new CopyOnWriteArrayList<>();
            List<Topic> resumed = new CopyOnWriteArrayList<>();
            RedisBus bus = new RedisBus(RedisClients.fromUrl(redis.url(), "outage"), "o", 100, Duration.ofHours(1));
            bus.start(new BusListener() {
                @Override
                public void onMessage(BusMessage message) {
                    received.add(message);
                }

                @Override
                public void onResumed(Topic topic) {
                    resumed.add(topic);
                }
            });
            try {
                Topic topic = Topic.channel("news");
                bus.subscribe(topic).toCompletableFuture().get(10, TimeUnit.SECONDS);
                Await.until("the bus receiving", OUTAGE_TIMEOUT, bus::receiving);

                redis.stop();
                Await.until("the bus noticing Redis is gone", OUTAGE_TIMEOUT, () -> !bus.receiving());
                assertThatThrownBy(() -> bus.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\"}")))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(BusUnavailableException.class);

                redis.startAgain();
                Await.until("the bus receiving again", OUTAGE_TIMEOUT, bus::receiving);
                Await.until("news resumed", OUTAGE_TIMEOUT, () -> resumed.contains(topic));
                // Live delivery resumes by itself. (An event published while the subscription was
                // still coming back is the node's to repair from history, after onResumed: not this
                // listener's, so keep publishing until one arrives live.)
                Await.until("an event published after Redis came back arriving live", OUTAGE_TIMEOUT, () -> {
                    Offset offset = publishOne(bus, topic);
                    return Await.within(Duration.ofSeconds(2), () -> received.stream().anyMatch(m -> m.offset().equals(offset)));
                });
            } finally {
                bus.close();
            }
        }
    }

    /** Publishes one event; a refused publish fails the test (Redis is back: the bus must take it). */
    private static Offset publishOne(RedisBus bus, Topic topic) {
        try {
            return bus.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\"}")))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS).get(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("publish after Redis came back failed", e);
        }
    }
}
