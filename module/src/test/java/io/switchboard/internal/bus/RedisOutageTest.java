package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Redis bus while redis-server is stopped and after it restarts (empty) on the same port. */
class RedisOutageTest {

    @Test
    void busReportsNotReceivingWhileRedisIsDownRefusesPublishesAndResumesAfterwards() throws Exception {
        try (RedisProcess redis = new RedisProcess()) {
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
                await(bus::receiving);

                redis.close();
                await(() -> !bus.receiving());
                assertThatThrownBy(() -> bus.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\"}")))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(BusUnavailableException.class);

                redis.start();
                await(bus::receiving);
                await(() -> resumed.contains(topic));
                // Live delivery resumes by itself. (An event published while the subscription was
                // still coming back is the node's to repair from history, after onResumed: not this
                // listener's, so keep publishing until one arrives live.)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                boolean delivered = false;
                while (!delivered && System.nanoTime() < deadline) {
                    Offset offset = bus.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\"}")))
                            .toCompletableFuture().get(10, TimeUnit.SECONDS).get(0);
                    long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
                    while (!(delivered = received.stream().anyMatch(m -> m.offset().equals(offset)))
                            && System.nanoTime() < wait) {
                        Thread.sleep(20);
                    }
                }
                assertThat(delivered).as("an event published after Redis came back arrives live").isTrue();
            } finally {
                bus.close();
            }
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 40 s");
            }
            Thread.sleep(50);
        }
    }
}
