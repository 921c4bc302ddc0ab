package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.PresenceChange;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One presence channel's members by node, each node's share with its lease: the rule that decides
 * joins and leaves. A user joins when a first node holds them and leaves when the last one lets go
 * or its lease runs out; a share whose lease ran out is swept (its users leave unless another live
 * node holds them) by the next write of another node or the next read, so a crashed node's users
 * leave once, whoever notices.
 *
 * <p>{@link LocalBus} keeps one per channel; {@code presence.lua} applies the same rule in Redis, in
 * the same order (expired nodes by name, users by name, removals before additions), so both buses
 * produce the same changes. Not thread-safe: the caller holds its lock.
 */
final class PresenceLedger {

    /** The outcome of a write: whether it was applied (a delta is refused without a share), and the changes it caused. */
    record Outcome(boolean applied, List<PresenceChange> changes) {
    }

    private static final class Share {
        final SortedSet<String> users = new TreeSet<>();
        long leaseUntil;
    }

    private final Map<String, Share> shares = new TreeMap<>(); // by node id, sorted as the sweep visits them

    /** Applies {@code write} at {@code now} (ms), after sweeping the expired shares of other nodes. */
    Outcome apply(PresenceWrite write, long now) {
        List<PresenceChange> changes = sweep(write.nodeId(), now);
        String node = write.nodeId();
        Share share = shares.get(node);
        if (share == null && !write.full()) {
            return new Outcome(false, changes);
        }
        if (share == null) {
            share = new Share();
            shares.put(node, share);
        }
        Set<String> removed = write.full() ? without(share.users, write.added()) : new TreeSet<>(write.removed());
        for (String user : removed) {
            if (share.users.remove(user) && !heldElsewhere(user, node)) {
                changes.add(PresenceChange.leave(user, node));
            }
        }
        for (String user : new TreeSet<>(write.added())) {
            if (share.users.add(user) && !heldElsewhere(user, node)) {
                changes.add(PresenceChange.join(user, node));
            }
        }
        if (share.users.isEmpty()) {
            shares.remove(node);
        } else {
            share.leaseUntil = now + write.lease().toMillis();
        }
        return new Outcome(true, changes);
    }

    /**
     * Removes the shares whose lease ran out by {@code now}, except {@code except}'s (a node that
     * writes is alive); returns the leaves of the users no other node holds.
     */
    List<PresenceChange> sweep(String except, long now) {
        List<PresenceChange> changes = new ArrayList<>();
        for (String node : List.copyOf(shares.keySet())) {
            Share share = shares.get(node);
            if (node.equals(except) || share.leaseUntil > now) {
                continue;
            }
            shares.remove(node); // first: its users no longer count as held
            for (String user : share.users) {
                if (!heldElsewhere(user, node)) {
                    changes.add(PresenceChange.leave(user, node));
                }
            }
        }
        return changes;
    }

    /** The users of every share, sorted. Sweep first: an expired share still counts here. */
    List<String> members() {
        SortedSet<String> members = new TreeSet<>();
        shares.values().forEach(share -> members.addAll(share.users));
        return List.copyOf(members);
    }

    boolean isEmpty() {
        return shares.isEmpty();
    }

    private boolean heldElsewhere(String user, String node) {
        for (Map.Entry<String, Share> entry : shares.entrySet()) {
            if (!entry.getKey().equals(node) && entry.getValue().users.contains(user)) {
                return true;
            }
        }
        return false;
    }

    private static SortedSet<String> without(Set<String> all, Set<String> kept) {
        SortedSet<String> rest = new TreeSet<>(all);
        rest.removeAll(kept);
        return rest;
    }
}
