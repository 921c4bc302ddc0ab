package io.switchboard.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.FaultReport;
import io.switchboard.it.support.JvmHeap;
import io.switchboard.it.support.JvmMemory;
import io.switchboard.it.support.Resources;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a flood left behind on a node once its clients are gone: the heap still used after a full collection, the
 * connections the node holds, members of presence channels (the cluster's view through the API) and their member
 * state in Redis. Each wait is bounded by the timeout given.
 */
final class FloodAftermath {

    /** What the node may still hold, after a full collection, once a flood's connections are gone. */
    private static final long RETAINED_SLACK = 24L << 20;

    private final ServerNode node;
    private final JvmMemory memory;
    private final RedisServerProcess redis;
    private final Duration timeout;

    FloodAftermath(ServerNode node, JvmMemory memory, RedisServerProcess redis, Duration timeout) {
        this.node = node;
        this.memory = memory;
        this.redis = redis;
        this.timeout = timeout;
    }

    /** The heap the worker still uses after a full collection. */
    long retainedHeap() {
        memory.collect();
        return memory.sample().heapAfterGc();
    }

    /**
     * Once the scenario's clients are gone ({@code clients} closed, and the node has let go of every connection), a
     * full collection brings the heap back to where it was before the flood.
     */
    void assertNothingRetained(String key, long before, Resources clients) {
        clients.close();
        Await.until("the node let go of every connection of the scenario", timeout, this::nodeConnections,
                connections -> connections == 0);
        long after = retainedHeap();
        FaultReport.note(key + "-retained", key + ": heap after a full GC " + (before >> 20) + " MiB before the flood, "
                + (after >> 20) + " MiB after it");
        if (after >= before + RETAINED_SLACK) {
            throw new AssertionError("heap after a full GC once the flood is over: " + (after >> 20) + " MiB, before it "
                    + (before >> 20) + " MiB; the largest classes:\n" + JvmHeap.histogram(node.handle().pid(), 40));
        }
    }

    /** The connections the node holds, by its own count ({@code /api/stats}). */
    private long nodeConnections() {
        return node.api().get("/switchboard/api/stats").json().path("node").path("connections").asLong(-1);
    }

    /** Waits until none of {@code channels} has members (cluster-wide, the API's view); returns what each has. */
    Map<String, List<String>> awaitNoMembers(List<String> channels) {
        Map<String, List<String>> members = new TreeMap<>();
        Await.until("no members on the churned presence channels", timeout, () -> {
            members.clear();
            for (String channel : channels) {
                JsonNode answer = node.api().get("/switchboard/api/channels/" + channel + "/presence").json();
                List<String> users = new ArrayList<>();
                answer.path("members").forEach(member -> users.add(member.asText()));
                members.put(channel, users);
            }
            return members;
        }, all -> all.values().stream().allMatch(List::isEmpty));
        return members;
    }

    /**
     * Redis keys of the member state (their node list and each node's members) of the presence channels whose names
     * start with {@code prefix}.
     */
    List<String> memberStateKeys(String prefix) {
        Object keys = redis.command("KEYS", "*{pr:" + prefix + "*");
        return ((List<?>) keys).stream().map(String::valueOf)
                .filter(name -> name.endsWith(":nodes") || name.contains("}:of:"))
                .collect(Collectors.toList());
    }
}
