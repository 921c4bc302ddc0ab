package io.switchboard.node;

import io.switchboard.bus.BusMessage;
import io.switchboard.bus.LocalBus;
import io.switchboard.bus.Topic;
import io.switchboard.bus.Bus;
import io.switchboard.protocol.Offset;
import io.switchboard.registry.Delivery;
import io.switchboard.registry.Registry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Ordering, de-duplication and gap repair of one topic's events on a node. */
class TopicDispatcherTest {
    private final Topic topic = Topic.channel("news");
    private final LocalBus history = new LocalBus(100, java.time.Duration.ofHours(1));
    private final List<Long> delivered = new ArrayList<>();
    private final Registry registry = new Registry(new Registry.InterestListener() {
        @Override
        public void interested(Topic topic) {
        }

        @Override
        public void uninterested(Topic topic) {
        }
    });
    private final TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, history, new NodeStats(), 100);

    TopicDispatcherTest() {
        registry.add(topic, (Delivery delivery) -> delivered.add(delivery.offset().seq()));
    }

    /** Publishes {@code count} events into the history, returning them as the bus would carry them. */
    private List<BusMessage> publish(int count) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        List<Offset> offsets = history.publish(events).toCompletableFuture().join();
        List<BusMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(new BusMessage(topic, offsets.get(i), events.get(i).envelope()));
        }
        return messages;
    }

    @Test
    void aMissedEventIsFetchedFromHistoryBeforeTheNextIsDelivered() {
        List<BusMessage> messages = publish(5);
        dispatcher.onMessage(messages.get(0));
        dispatcher.onMessage(messages.get(1));
        dispatcher.onMessage(messages.get(3)); // 3 (seq 3) was dropped by pub/sub
        dispatcher.onMessage(messages.get(4));
        assertThat(delivered).containsExactly(1L, 2L, 3L, 4L, 5L);
    }

    @Test
    void duplicatesAreDeliveredOnce() {
        List<BusMessage> messages = publish(3);
        messages.forEach(dispatcher::onMessage);
        messages.forEach(dispatcher::onMessage);
        assertThat(delivered).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aGapNoLongerInHistoryIsSkippedSoDeliveryGoesOn() {
        LocalBus shortHistory = new LocalBus(1, java.time.Duration.ofHours(1));
        TopicDispatcher forgetful = new TopicDispatcher(topic, registry, shortHistory, new NodeStats(), 100);
        List<Offset> offsets = shortHistory.publish(List.of(
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"),
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"),
                new Bus.Outgoing(topic, "{\"event\":\"e\",\"node\":\"n\"}"))).toCompletableFuture().join();
        forgetful.onMessage(new BusMessage(topic, offsets.get(0), "{\"event\":\"e\",\"node\":\"n\"}"));
        forgetful.onMessage(new BusMessage(topic, offsets.get(2), "{\"event\":\"e\",\"node\":\"n\"}"));
        assertThat(delivered).containsExactly(1L, 3L);
        assertThat(shortHistory.history(topic, Optional.of(offsets.get(0)), 10).toCompletableFuture().join().recovered()).isFalse();
    }

    @Test
    void aNewEpochIsDeliveredAndRestartsTheSequence() {
        dispatcher.onMessage(new BusMessage(topic, new Offset("old", 41), "{\"event\":\"e\",\"node\":\"n\"}"));
        dispatcher.onMessage(new BusMessage(topic, new Offset("new", 1), "{\"event\":\"e\",\"node\":\"n\"}"));
        dispatcher.onMessage(new BusMessage(topic, new Offset("new", 2), "{\"event\":\"e\",\"node\":\"n\"}"));
        assertThat(delivered).containsExactly(41L, 1L, 2L);
    }
}
