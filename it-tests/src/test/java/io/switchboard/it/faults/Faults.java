package io.switchboard.it.faults;

import io.switchboard.it.support.Cluster;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Await;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** Small waits shared by the fault scenarios. */
final class Faults {

    private Faults() {
    }

    /** Waits until every node of {@code cluster} answers health with {@code status}. */
    static void awaitHealth(Cluster cluster, int status, Duration timeout) {
        awaitHealth(cluster.nodes(), status, timeout);
    }

    static void awaitHealth(List<ServerNode> nodes, int status, Duration timeout) {
        Await.until("health " + status + " on " + nodes, timeout,
                () -> nodes.stream().map(node -> node.id() + "=" + node.health()).collect(Collectors.toList()),
                states -> states.stream().allMatch(state -> state.endsWith("=" + status)));
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
