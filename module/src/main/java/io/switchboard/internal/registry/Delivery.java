package io.switchboard.internal.registry;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.OutboundFrame;

/**
 * One event ready for local subscribers: decoded once and encoded to its client frame once per
 * node (its UTF-8 bytes too, see {@link OutboundFrame}); every subscriber receives this same instance.
 */
public record Delivery(Topic topic, Offset offset, EventEnvelope envelope, OutboundFrame frame) {
}
