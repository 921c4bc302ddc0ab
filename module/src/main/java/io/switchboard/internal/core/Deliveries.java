package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.protocol.PresenceChange;
import io.switchboard.internal.registry.Delivery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;

/**
 * Bus messages as deliveries: the client frame encoded once, shared by every subscriber and by
 * replays: an {@code event} frame, or for a presence topic a {@code join} / {@code leave} frame.
 */
public final class Deliveries {
    private static final Logger log = LoggerFactory.getLogger(Deliveries.class);
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));

    private Deliveries() {
    }

    /** The delivery of {@code message}; empty (and a rate-limited warning) for a message that is not an event. */
    public static Optional<Delivery> of(BusMessage message) {
        try {
            EventEnvelope envelope = EventEnvelope.decode(message.envelope());
            String frame = switch (message.topic().kind()) {
                case CHANNEL -> Frames.event(message.topic().name(), envelope.event(), envelope.data(), message.offset());
                case USER -> Frames.event(ChannelNames.USER_CHANNEL, envelope.event(), envelope.data(), message.offset());
                // A join or leave, shown as such on the presence channel it belongs to.
                case PRESENCE -> PresenceChange.of(envelope).frame(message.topic().name());
            };
            return Optional.of(new Delivery(message.topic(), message.offset(), envelope, OutboundFrame.of(frame)));
        } catch (IllegalArgumentException e) {
            warnings.warn("foreign-event", "Skipped event {} on {}: {}", message.offset(), message.topic(), e.getMessage());
            return Optional.empty();
        }
    }
}
