package io.switchboard.internal.bus;

import java.time.Duration;
import java.util.Set;

/**
 * What one node tells the bus about its members of one presence channel ({@link Bus#writePresence}).
 *
 * <p>A {@code full} write states every user the node holds there ({@code added}; {@code removed} is
 * empty): the bus makes the node's share exactly that, whatever it held before. A delta adds and
 * removes users from the share the bus holds; the bus refuses it when it holds no share of the node
 * (it was never written, expired, or was lost with Redis's data), and the node then writes in full.
 * A delta with nothing in it renews the lease. Every write renews the node's lease for {@code lease}:
 * a share whose lease ran out counts as a crashed node's and its users leave.
 */
public record PresenceWrite(String channel, String nodeId, boolean full, Set<String> added, Set<String> removed,
                            Duration lease) {

    public PresenceWrite {
        added = Set.copyOf(added);
        removed = Set.copyOf(removed);
        if (full && !removed.isEmpty()) {
            throw new IllegalArgumentException("a full write names the users it keeps, not those it removes");
        }
    }

    /** The node holds exactly {@code users} on {@code channel} (none: it leaves the channel). */
    public static PresenceWrite full(String channel, String nodeId, Set<String> users, Duration lease) {
        return new PresenceWrite(channel, nodeId, true, users, Set.of(), lease);
    }

    /** The node gained {@code added} and lost {@code removed} since its last applied write. */
    public static PresenceWrite delta(String channel, String nodeId, Set<String> added, Set<String> removed, Duration lease) {
        return new PresenceWrite(channel, nodeId, false, added, removed, lease);
    }
}
