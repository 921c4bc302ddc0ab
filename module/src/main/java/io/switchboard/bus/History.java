package io.switchboard.bus;

import io.switchboard.protocol.Offset;

import java.util.List;

/**
 * What the history holds after a given offset.
 *
 * @param current   the topic's offset when the history was read
 * @param recovered whether {@code events} hold every event after the requested offset up to
 *                  {@code current} (false when the epoch changed or the history was trimmed)
 * @param events    the retained events after the requested offset, in order
 */
public record History(Offset current, boolean recovered, List<BusMessage> events) {
}
