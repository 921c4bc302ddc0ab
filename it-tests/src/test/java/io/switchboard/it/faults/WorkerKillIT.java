package io.switchboard.it.faults;

import io.switchboard.it.support.SubscriberGroup;
import org.junit.jupiter.api.Test;

/**
 * A worker SIGKILLed while events are published through all three nodes and 300 clients listen (100 per
 * node). The killed node's clients reconnect to the others the way client.js does (next node, jittered
 * backoff, {@code since} = last offset seen) and receive everything acknowledged meanwhile; nobody receives
 * an event twice or out of order, and the clients of the surviving nodes do not notice.
 */
class WorkerKillIT extends FaultScenario {

    private static final int CLIENTS = 300;

    @Test
    void clientsOfAKilledWorkerReconnectElsewhereAndMissNoAcknowledgedEvent() {
        new WorkerKillRun("WorkerKillIT", "b", CLIENTS, "kill.stream", "",
                (nodes, count, channel, timeout) -> SubscriberGroup.start("kill", nodes, 0, count, channel, timeout),
                orphans -> "(b) worker SIGKILLed under load: " + CLIENTS + " clients on " + WorkerKillRun.NODES
                        + " nodes, the " + orphans + " of the killed one reconnecting with since")
                .run(this);
    }
}
