package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Publishes numbered events to one topic of a bus and returns their offsets: what the tests of
 * Redis losing, restarting or changing roles do before and after the fault.
 */
final class NumberedEvents {
    private final RedisBus bus;
    private final Topic topic;

    NumberedEvents(RedisBus bus, Topic topic) {
        this.bus = bus;
        this.topic = topic;
    }

    List<Offset> publish(int count) throws Exception {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(topic, "{\"event\":\"e\",\"data\":" + i + ",\"node\":\"n\"}"));
        }
        return new ArrayList<>(bus.publish(events).toCompletableFuture().get(5, TimeUnit.SECONDS));
    }

    /** Publishes once Redis takes writes again (a refused publish is "not yet"), within 20 s. */
    List<Offset> publishOnceWritable(int count, String after) {
        return Await.until(count + " events published after " + after, Duration.ofSeconds(20), () -> {
            try {
                return publish(count);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            } catch (Exception notYet) {
                throw new IllegalStateException("not published yet", notYet);
            }
        }, published -> true);
    }
}
