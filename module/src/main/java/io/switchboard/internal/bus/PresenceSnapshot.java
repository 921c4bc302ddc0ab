package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;

import java.util.List;

/**
 * A presence channel's members over all live nodes, read in one atomic step with the offset of its
 * presence topic ({@link io.switchboard.internal.protocol.Topic#presence}): every join and leave up
 * to {@code offset} is reflected in {@code members}, none after it. A subscriber that shows this
 * snapshot and then the changes after {@code offset} ends with the cluster's member list.
 *
 * @param offset  the presence topic's offset (a marker when it has had no change yet)
 * @param members user ids, sorted
 */
public record PresenceSnapshot(Offset offset, List<String> members) {

    public PresenceSnapshot {
        members = List.copyOf(members);
    }
}
