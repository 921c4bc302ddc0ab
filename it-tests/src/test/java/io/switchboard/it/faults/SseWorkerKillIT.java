package io.switchboard.it.faults;

import io.switchboard.it.support.SubscriberGroup;
import org.junit.jupiter.api.Test;

/**
 * {@link WorkerKillIT} over SSE: a worker holding SSE streams SIGKILLed while events are published through all
 * three nodes. Every client's requests (subscribes, pongs) are POSTed to the two nodes that do not hold its
 * stream, so they are forwarded to its session over the bus, before and after the kill. The killed node's
 * clients open a new stream on another node and resubscribe with {@code since}: they receive everything
 * acknowledged meanwhile, nobody receives an event twice or out of order, and the clients of the surviving
 * nodes do not notice (their requests kept passing through the survivors).
 */
class SseWorkerKillIT extends FaultScenario {

    private static final int CLIENTS = 120;

    @Test
    void sseClientsOfAKilledWorkerOpenAStreamElsewhereAndMissNoAcknowledgedEvent() {
        new WorkerKillRun("SseWorkerKillIT", "b2", CLIENTS, "kill.sse.stream", "SSE ",
                (nodes, count, channel, timeout) -> SubscriberGroup.startOverSse("sse-kill", nodes, 0, count, channel, timeout),
                orphans -> "(b2) worker holding SSE streams SIGKILLed under load: " + CLIENTS + " SSE clients on "
                        + WorkerKillRun.NODES + " nodes, requests POSTed to the other nodes, the " + orphans
                        + " of the killed one opening a stream elsewhere with since")
                .run(this);
    }
}
