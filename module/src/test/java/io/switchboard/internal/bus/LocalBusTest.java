package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-process bus keeps history by the same two bounds as the Redis bus: length and age. */
class LocalBusTest {
    private static Offset publish(LocalBus bus, Topic topic) throws Exception {
        return bus.publish(List.of(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":0,\"node\":\"n\"}")))
                .toCompletableFuture().get(5, TimeUnit.SECONDS).get(0);
    }

    @Test
    void historyDropsEventsOlderThanItsAgeLimit() throws Exception {
        // The bus ages events by this clock, which only the test moves: what has aged out is decided by the
        // test, not by how long the machine took between two calls.
        AtomicLong clock = new AtomicLong();
        LocalBus bus = new LocalBus(100, Long.MAX_VALUE / 4, Duration.ofMillis(200), clock::get);
        try {
            Topic topic = Topic.channel("aging");
            Offset first = publish(bus, topic);
            clock.addAndGet(Duration.ofMillis(300).toNanos());
            Offset second = publish(bus, topic);
            History sinceFirst = bus.history(topic, Optional.of(first), 10).toCompletableFuture().get();
            assertThat(sinceFirst.recovered()).isTrue();
            assertThat(sinceFirst.events()).extracting(BusMessage::offset).containsExactly(second);
            History sinceStart = bus.history(topic, Optional.of(new Offset(first.epoch(), 0)), 10).toCompletableFuture().get();
            assertThat(sinceStart.recovered()).isFalse();

            clock.addAndGet(Duration.ofMillis(300).toNanos());
            History later = bus.history(topic, Optional.of(first), 10).toCompletableFuture().get();
            assertThat(later.recovered()).isFalse();
            assertThat(later.events()).isEmpty();
        } finally {
            bus.close();
        }
    }

    @Test
    void historyKeepsTheLastEventsUpToItsLength() throws Exception {
        LocalBus bus = new LocalBus(2, Duration.ofHours(1));
        try {
            Topic topic = Topic.channel("short");
            Offset first = publish(bus, topic);
            publish(bus, topic);
            Offset third = publish(bus, topic);
            assertThat(bus.history(topic, Optional.of(first), 10).toCompletableFuture().get().recovered()).isTrue();
            History fromStart = bus.history(topic, Optional.of(new Offset(first.epoch(), 0)), 10).toCompletableFuture().get();
            assertThat(fromStart.recovered()).isFalse();
            assertThat(fromStart.events()).extracting(BusMessage::offset).endsWith(third).hasSize(2);
        } finally {
            bus.close();
        }
    }

    @Test
    void historyIsReadInPagesBoundedByBytesLikeTheRedisBus() throws Exception {
        LocalBus bus = new LocalBus(100, Duration.ofHours(1));
        try {
            Topic topic = Topic.channel("large");
            String envelope = "{\"event\":\"e\",\"data\":\"" + "x".repeat(1_000) + "\",\"node\":\"n\"}";
            List<Offset> offsets = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                offsets.add(bus.publish(List.of(new Bus.Outgoing(topic, envelope))).toCompletableFuture().get(5, TimeUnit.SECONDS).get(0));
            }
            Offset start = new Offset(offsets.get(0).epoch(), 0);
            History first = bus.history(topic, Optional.of(start), 100, 4_500).toCompletableFuture().get();
            assertThat(first.events()).extracting(BusMessage::offset).containsExactlyElementsOf(offsets.subList(0, 5));
            assertThat(first.recovered()).isTrue(); // history holds all that follows; more pages bring it
            assertThat(first.gapless()).isTrue();

            History next = bus.history(topic, Optional.of(offsets.get(4)), 100, 1).toCompletableFuture().get();
            assertThat(next.events()).extracting(BusMessage::offset).containsExactly(offsets.get(5));

            History rest = bus.history(topic, Optional.of(offsets.get(5)), 100, Long.MAX_VALUE).toCompletableFuture().get();
            assertThat(rest.events()).hasSize(14);
            assertThat(rest.recovered()).isTrue();
        } finally {
            bus.close();
        }
    }
}
