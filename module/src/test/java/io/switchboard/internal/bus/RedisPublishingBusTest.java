package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The publish-only bus against a real redis-server: a node's event log, and nothing that receives. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisPublishingBusTest {
    private RedisServerProcess redis;

    @BeforeAll
    void start() {
        redis = RedisServerProcess.start("RedisPublishingBusTest-redis");
    }

    @AfterAll
    void stop() {
        redis.close();
    }

    @Test
    void whatItPublishesANodesBusReadsBackFromHistory() throws Exception {
        Topic topic = Topic.channel("shared");
        RedisPublishingBus publishing = bus("shared-ns");
        RedisBus node = new RedisBus(RedisClients.fromUrl(redis.url(), "node"), "shared-ns", 10, Duration.ofHours(1));
        try {
            publishing.start(message -> { });
            List<Offset> offsets = publishing.publish(List.of(
                    new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":1,\"node\":\"p\"}"),
                    new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":2,\"node\":\"p\"}"))).toCompletableFuture().get(5, TimeUnit.SECONDS);

            History history = node.history(topic, Optional.of(new Offset(offsets.get(0).epoch(), 0)), 10).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(history.recovered()).isTrue();
            assertThat(history.events()).extracting(BusMessage::offset).containsExactlyElementsOf(offsets);
        } finally {
            publishing.close();
            node.close();
        }
    }

    @Test
    void itRefusesWhatNeedsReceivingAndPublishesNothingOnceClosed() {
        RedisPublishingBus publishing = bus("closed-ns");
        publishing.start(message -> { });
        assertThat(publishing.receiving()).isFalse();
        assertThatThrownBy(() -> publishing.subscribe(Topic.channel("a"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> publishing.announce("n", "{}")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> publishing.writePresence(PresenceWrite.full("presence-a", "n", Set.of("u"), Duration.ofSeconds(1))))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> publishing.openInbox("n", message -> { })).isInstanceOf(UnsupportedOperationException.class);

        publishing.close();
        publishing.close(); // again: nothing happens

        assertThatThrownBy(() -> publishing.publish(List.of(new Bus.Outgoing(Topic.channel("a"), "{}")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(BusUnavailableException.class);
        assertThat(publishing.firstVerdict().toCompletableFuture()).isCompleted();
        assertThat((List<?>) redis.command("KEYS", "closed-ns:*")).isEmpty();
    }

    private RedisPublishingBus bus(String namespace) {
        return new RedisPublishingBus(RedisClients.publishingConfig(redis.url(), "publishing"), namespace, 10, 1 << 20,
                Duration.ofHours(1));
    }
}
