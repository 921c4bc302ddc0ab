package io.switchboard.internal.node;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Timeouts;
import io.switchboard.internal.metrics.MeterNames;
import io.switchboard.internal.protocol.TransportKind;
import io.switchboard.internal.session.Connection;

import java.util.concurrent.CompletionStage;

/**
 * The node's gauges (what it holds now: connections, subscriptions, queued bytes, channels, bus
 * state), read when a registry is scraped, and the probe that times round trips to the bus.
 * The counters and timers are {@link NodeStats}'; the names of both are {@link MeterNames}'.
 *
 * <p>Per-transport gauges pass over the open connections when read: a scrape every few seconds
 * costs that much, and no connection pays anything for them meanwhile.
 */
final class NodeGauges {
    /** A round trip slower than this counts as a failed ping. */
    private static final long PROBE_TIMEOUT_MILLIS = 5_000;

    private NodeGauges() {
    }

    static void register(MeterRegistry registry, Connections connections, LocalTopics topics, Bus bus) {
        for (TransportKind transport : TransportKind.values()) {
            Gauge.builder(MeterNames.CONNECTIONS, () -> connections.sum(transport, connection -> 1))
                    .description("Open connections").tag(MeterNames.TRANSPORT, transport.tag()).register(registry);
            Gauge.builder(MeterNames.SUBSCRIPTIONS, () -> connections.sum(transport, Connection::subscriptionCount))
                    .description("Channel subscriptions of open connections").tag(MeterNames.TRANSPORT, transport.tag())
                    .register(registry);
            Gauge.builder(MeterNames.QUEUE_BYTES, () -> connections.sum(transport, c -> c.session().queuedBytes()))
                    .description("Bytes waiting in the send queues of open connections").baseUnit("bytes")
                    .tag(MeterNames.TRANSPORT, transport.tag()).register(registry);
        }
        Gauge.builder(MeterNames.CHANNELS, topics::channelCount)
                .description("Channels with at least one local subscriber").register(registry);
        Gauge.builder(MeterNames.BUS_SUBSCRIPTIONS, topics::busSubscriptions)
                .description("Topics this node receives from the bus").register(registry);
        Gauge.builder(MeterNames.BUS_UP, () -> bus.receiving() ? 1 : 0)
                .description("1 while the bus's subscriptions receive, else 0").tag(MeterNames.BUS, bus.kind())
                .register(registry);
    }

    /**
     * Times one round trip to the bus (on the node's timer; the answer comes on a bus thread). The
     * deadline is the node's timer's ({@code timeouts}), not {@code orTimeout}, whose JVM-wide
     * scheduler thread would outlive an undeployed application.
     */
    static void probe(Bus bus, NodeStats stats, Timeouts timeouts) {
        long started = System.nanoTime();
        CompletionStage<Void> ping;
        try {
            ping = bus.ping();
        } catch (RuntimeException e) {
            stats.busPingFailed();
            return;
        }
        timeouts.within(ping, PROBE_TIMEOUT_MILLIS).whenComplete((ignored, error) -> {
            if (error == null) {
                stats.busRoundTrip(System.nanoTime() - started);
            } else {
                stats.busPingFailed();
            }
        });
    }
}
