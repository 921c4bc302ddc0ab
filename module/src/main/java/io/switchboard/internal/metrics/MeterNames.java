package io.switchboard.internal.metrics;

import java.util.Set;

/**
 * Every meter a node registers, by its Micrometer name (dotted; Prometheus shows
 * {@code switchboard.publishes} as {@code switchboard_publishes_total}, a timer
 * {@code switchboard.publish.latency} as {@code switchboard_publish_latency_seconds}), and the keys
 * of their tags. The README's metrics table lists the same names as Prometheus shows them.
 *
 * <p><b>Tags stay bounded.</b> Every tag value comes from a closed set the server names (a door, a
 * transport, a close code from a fixed list, an error code): never a channel, a user or anything
 * else a client chooses, which would let a client grow the registry without bound.
 */
public final class MeterNames {
    /** Gauge: open connections, by {@link #TRANSPORT}. */
    public static final String CONNECTIONS = "switchboard.connections";
    /** Counter: connections opened since start, by {@link #TRANSPORT}. */
    public static final String CONNECTIONS_OPENED = "switchboard.connections.opened";
    /** Gauge: the channel subscriptions of open connections, by {@link #TRANSPORT}. */
    public static final String SUBSCRIPTIONS = "switchboard.subscriptions";
    /** Gauge: channels with at least one local subscriber (a client or a Java listener). */
    public static final String CHANNELS = "switchboard.channels";
    /** Gauge: topics (channels and users) this node receives from the bus. */
    public static final String BUS_SUBSCRIPTIONS = "switchboard.bus.subscriptions";
    /** Gauge: bytes waiting in the send queues of open connections, by {@link #TRANSPORT}. */
    public static final String QUEUE_BYTES = "switchboard.queue.bytes";
    /** Counter: events handed to local subscribers (one per subscriber per event; replays not included). */
    public static final String DELIVERIES = "switchboard.deliveries";
    /** Timer: from an event's publish (the publishing node's clock) to this node handing it to its subscribers. */
    public static final String DELIVERY_LAG = "switchboard.delivery.lag";
    /** Counter: events published, by {@link #DOOR}. */
    public static final String PUBLISHES = "switchboard.publishes";
    /** Counter: publishes the bus did not take (nothing published), by {@link #DOOR}. */
    public static final String PUBLISH_FAILURES = "switchboard.publish.failures";
    /** Timer: from a publish call to the bus's acknowledgement, by {@link #DOOR}. */
    public static final String PUBLISH_LATENCY = "switchboard.publish.latency";
    /** Counter: subscribes with {@code since}, by {@link #RESULT}. */
    public static final String REPLAYS = "switchboard.replays";
    /** Summary: events one replay sent. */
    public static final String REPLAY_EVENTS = "switchboard.replay.events";
    /** Summary: bytes (characters of frames) one replay sent. */
    public static final String REPLAY_BYTES = "switchboard.replay.bytes";
    /** Counter: history reads a topic made to fill a gap in what pub/sub delivered (or to follow a new epoch). */
    public static final String GAP_REPAIRS = "switchboard.gap.repairs";
    /** Counter: events missed that history no longer held (subscribers were told {@code recovered: false}). */
    public static final String EVENTS_LOST = "switchboard.events.lost";
    /** Counter: connections closed, by {@link #CODE} and {@link #SIDE}. */
    public static final String CLOSES = "switchboard.closes";
    /** Counter: connections closed with 1013 because the client did not read fast enough. */
    public static final String SLOW_CONSUMER_CLOSES = "switchboard.slow.consumer.closes";
    /** Counter: client requests answered with an {@code error} frame, by {@link #CODE} (an error code). */
    public static final String REQUESTS_REFUSED = "switchboard.requests.refused";
    /** Counter: client {@code send}s, by {@link #OUTCOME}: {@code reply} or the error code answered. */
    public static final String MESSAGES = "switchboard.messages";
    /** Gauge: 1 while the bus's subscriptions receive (Redis answers the probe), else 0; by {@link #BUS}. */
    public static final String BUS_UP = "switchboard.bus.up";
    /** Timer: round trips to the bus (a ping every few seconds). */
    public static final String BUS_ROUND_TRIP = "switchboard.bus.round.trip";
    /** Counter: pings the bus did not answer. */
    public static final String BUS_PING_FAILURES = "switchboard.bus.ping.failures";

    /** The node's id, on every meter. */
    public static final String NODE = "node";
    /** {@code websocket} (see {@link io.switchboard.internal.protocol.TransportKind}). */
    public static final String TRANSPORT = "transport";
    /** {@code api}, {@code java}, {@code browser}, {@code standalone}, {@code node}. */
    public static final String DOOR = "door";
    /** A close code (see {@link #closeCode}) or an error code. */
    public static final String CODE = "code";
    /** Who closed: {@code server} or {@code client} (the client, or the network for 1006). */
    public static final String SIDE = "side";
    /** Of a replay: {@code recovered}, {@code unrecovered}, {@code refused} (budget spent), {@code failed} (bus). */
    public static final String RESULT = "result";
    /** Of a client {@code send}: {@code reply} or an error code. */
    public static final String OUTCOME = "outcome";
    /** {@code redis} or {@code in-process}. */
    public static final String BUS = "bus";

    /**
     * The close codes counted by their number; any other (a client may close with any code from
     * 3000 to 4999) is counted as {@code other}.
     */
    private static final Set<Integer> NAMED_CLOSE_CODES = Set.of(1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008,
            1009, 1010, 1011, 1012, 1013, 1014, 1015, 4401, 4403);

    private MeterNames() {
    }

    /** The {@link #CODE} tag value of a close code: its number if it is a named one, else {@code other}. */
    public static String closeCode(int code) {
        return NAMED_CLOSE_CODES.contains(code) ? Integer.toString(code) : "other";
    }
}
