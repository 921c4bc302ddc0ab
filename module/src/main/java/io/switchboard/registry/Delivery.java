package io.switchboard.registry;

import io.switchboard.bus.Topic;
import io.switchboard.protocol.EventEnvelope;
import io.switchboard.protocol.Offset;

/**
 * One event ready for local subscribers: decoded once and encoded to its client frame once per
 * node; every subscriber receives this same instance.
 */
public record Delivery(Topic topic, Offset offset, EventEnvelope envelope, String frame) {
}
