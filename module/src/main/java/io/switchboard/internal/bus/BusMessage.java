package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;

import java.util.Optional;

/**
 * One event as the bus carries it: its topic, its offset and the envelope JSON. On the wire (pub/sub
 * and history alike) it is the text {@code <epoch>-<seq> <envelope>}.
 */
public record BusMessage(Topic topic, Offset offset, String envelope) {

    /** The wire text, as written by the publish script. */
    public String wire() {
        return offset + " " + envelope;
    }

    /** Reads the wire text; empty if it is not of our format (then it is not ours to deliver). */
    public static Optional<BusMessage> parse(Topic topic, String wire) {
        int space = wire.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        return Offset.parse(wire.substring(0, space))
                .map(offset -> new BusMessage(topic, offset, wire.substring(space + 1)));
    }
}
