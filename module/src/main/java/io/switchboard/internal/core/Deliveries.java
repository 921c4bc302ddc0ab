package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

/** Bus messages as deliveries: the event frame encoded once, shared by every subscriber and by replays. */
public final class Deliveries {
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));

    private Deliveries() {
    }

    /** The delivery of {@code message}; empty (and a rate-limited warning) for a message that is not an event. */
    public static Optional<Delivery> of(BusMessage message) {
        try {
            EventEnvelope envelope = EventEnvelope.decode(message.envelope());
            String channel = message.topic().kind() == Topic.Kind.USER
                    ? ChannelNames.USER_CHANNEL : message.topic().name();
            String frame = Frames.event(channel, envelope.event(), envelope.data(), message.offset());
            return Optional.of(new Delivery(message.topic(), message.offset(), envelope, frame));
        } catch (IllegalArgumentException e) {
            warnings.warn("foreign-event", "Skipped event {} on {}: {}", message.offset(), message.topic(), e.getMessage());
            return Optional.empty();
        }
    }
}
