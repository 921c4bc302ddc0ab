package io.switchboard.internal.core;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.protocol.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * This node's members of {@code presence-*} channels: which users hold at least one subscription
 * here. Every change and a periodic refresh write this node's share to the bus; the bus merges
 * the shares of all live nodes, and the share of a node that stops refreshing expires.
 *
 * <p>Guarded by {@code this}; bus writes are asynchronous and started after the decision.
 */
final class PresenceTracker {
    private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);
    static final Duration TTL = Duration.ofSeconds(30);

    private final Bus bus;
    private final String nodeId;
    private final Map<String, Map<String, Integer>> byChannel = new HashMap<>();

    PresenceTracker(Bus bus, String nodeId) {
        this.bus = bus;
        this.nodeId = nodeId;
    }

    void join(String channel, String user) {
        Set<String> users;
        synchronized (this) {
            Map<String, Integer> members = byChannel.computeIfAbsent(channel, c -> new HashMap<>());
            if (members.merge(user, 1, Integer::sum) > 1) {
                return;
            }
            users = Set.copyOf(members.keySet());
        }
        write(channel, users);
    }

    void leave(String channel, String user) {
        Set<String> users;
        synchronized (this) {
            Map<String, Integer> members = byChannel.get(channel);
            if (members == null || !members.containsKey(user)) {
                return;
            }
            if (members.merge(user, -1, Integer::sum) > 0) {
                return;
            }
            members.remove(user);
            users = Set.copyOf(members.keySet());
            if (members.isEmpty()) {
                byChannel.remove(channel);
            }
        }
        write(channel, users);
    }

    /** Re-writes every share before it expires. */
    void refresh() {
        Map<String, Set<String>> snapshot = new HashMap<>();
        synchronized (this) {
            byChannel.forEach((channel, members) -> snapshot.put(channel, Set.copyOf(members.keySet())));
        }
        snapshot.forEach(this::write);
    }

    private void write(String channel, Set<String> users) {
        bus.present(Topic.channel(channel), nodeId, users, TTL).whenComplete((ignored, error) -> {
            if (error != null) {
                log.debug("Could not write presence of {}: {}", channel, error.toString());
            }
        });
    }
}
