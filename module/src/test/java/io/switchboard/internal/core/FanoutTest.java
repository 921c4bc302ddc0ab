package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Registry;
import io.switchboard.internal.registry.Subscriber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/** Subscribers write once per run of deliveries: messages already waiting go out together, in order. */
class FanoutTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Topic topic = Topic.channel("news");
    private final LocalBus bus = new LocalBus(1000, Duration.ofHours(1));
    private final Registry registry = new Registry(new Registry.InterestListener() {
        @Override
        public void interested(Topic topic) {
        }

        @Override
        public void uninterested(Topic topic) {
        }
    });
    private final TopicDispatcher dispatcher = new TopicDispatcher(topic, registry, bus, new NodeStats(), 1000, timer);
    /** What the subscriber saw: "d<seq>" for a delivery, "flush" for a write. */
    private final List<String> log = new ArrayList<>();

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    private List<BusMessage> publish(int count) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        List<Offset> offsets = bus.publish(events).toCompletableFuture().join();
        List<BusMessage> messages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            messages.add(new BusMessage(topic, offsets.get(i), events.get(i).envelope()));
        }
        return messages;
    }

    /** A subscriber that records, and runs {@code during} inside its first delivery. */
    private void subscribe(Runnable during) {
        registry.add(topic, new Subscriber() {
            boolean first = true;

            @Override
            public void deliver(Delivery delivery) {
                throw new AssertionError("the dispatcher delivers before a flush");
            }

            @Override
            public void deliverBeforeFlush(Delivery delivery) {
                log.add("d" + delivery.offset().seq());
                if (first) {
                    first = false;
                    during.run();
                }
            }

            @Override
            public void flush() {
                log.add("flush");
            }
        });
    }

    @Test
    void aLoneMessageIsWrittenAtOnce() {
        List<BusMessage> messages = publish(2);
        subscribe(() -> { });
        dispatcher.onMessage(messages.get(0));
        assertThat(log).containsExactly("d1", "flush");
        dispatcher.onMessage(messages.get(1));
        assertThat(log).containsExactly("d1", "flush", "d2", "flush");
    }

    @Test
    void messagesThatArriveWhileARunIsDeliveredAreQueuedBeforeOneWrite() {
        List<BusMessage> messages = publish(3);
        // The bus hands on 2 and 3 while 1 is being delivered: the draining thread delivers them too.
        subscribe(() -> {
            dispatcher.onMessage(messages.get(1));
            dispatcher.onMessage(messages.get(2));
        });
        dispatcher.onMessage(messages.get(0));
        assertThat(log).containsExactly("d1", "d2", "d3", "flush");
    }

    @Test
    void aLongRunIsWrittenEveryMaxRunDeliveriesNotHeldBackToItsEnd() {
        int count = 2 * Fanout.MAX_RUN + 5;
        List<BusMessage> messages = publish(count);
        subscribe(() -> messages.subList(1, count).forEach(dispatcher::onMessage));
        dispatcher.onMessage(messages.get(0));

        List<String> expected = new ArrayList<>();
        for (int seq = 1; seq <= count; seq++) {
            expected.add("d" + seq);
            if (seq % Fanout.MAX_RUN == 0) {
                expected.add("flush");
            }
        }
        expected.add("flush");
        assertThat(log).containsExactlyElementsOf(expected);
    }
}
