package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one way to read what the cluster holds. */
class ReaderTest {
    private final LocalBus bus = new LocalBus(10, Duration.ofMinutes(1));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Reader reader = new Reader(bus, "n1", 10, Map::of, new Timeouts(timer), () -> false);
    private final Topic topic = Topic.channel("mixed");

    @AfterEach
    void stop() {
        timer.shutdownNow();
        bus.close();
    }

    @Test
    void aHistoryEntryThatIsNotAnEventIsSkippedAndTheRestAnswered() throws Exception {
        Offset foreign = publish("not an envelope");
        Offset real = publish(new EventEnvelope("real", Json.MAPPER.valueToTree(Map.of("n", 2)), "n1").encode());

        Reader.HistoryPage page = reader.history(topic, Optional.of(new Offset(foreign.epoch(), 0)), 10)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(page.events()).extracting(Reader.StoredEvent::offset).containsExactly(real);
        assertThat(page.events().get(0).event()).isEqualTo("real");
        assertThat(page.current()).isEqualTo(real);
    }

    @Test
    void withoutSinceTheLastEventsOfTheChannelAreAnswered() throws Exception {
        for (int i = 1; i <= 5; i++) {
            publish(new EventEnvelope("e", Json.MAPPER.valueToTree(i), "n1").encode());
        }
        Reader.HistoryPage page = reader.history(topic, Optional.empty(), 2).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(page.events()).extracting(event -> event.data().asInt()).containsExactly(4, 5);
    }

    @Test
    void aLimitOutsideTheHistorySizeIsRefused() {
        assertThatThrownBy(() -> reader.history(topic, Optional.empty(), 11)).isInstanceOf(Refusal.class)
                .extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThatThrownBy(() -> reader.members(Topic.channel("news"))).isInstanceOf(Refusal.class)
                .extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void healthIsUpWhenTheBusAnswers() throws Exception {
        Reader.Health health = reader.health().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(health.up()).isTrue();
        assertThat(health.problem()).isEmpty();
    }

    private Offset publish(String envelope) throws Exception {
        return bus.publish(List.of(new Bus.Outgoing(topic, envelope))).toCompletableFuture().get(5, TimeUnit.SECONDS).get(0);
    }
}
