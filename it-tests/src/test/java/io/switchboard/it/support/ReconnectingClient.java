package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A subscriber that behaves like the browser client ({@code switchboard/client.js}): when its connection
 * ends for any reason it reconnects to the next node of the list (round robin, exponential backoff with
 * full jitter), resubscribes every channel with {@code since} = the last offset it saw, and drops events
 * whose offset it already passed. It answers the server's pings. It connects over the WebSocket, or over SSE
 * as client.js does where WebSockets are blocked ({@link ClientLink}).
 *
 * <p>Unlike client.js it also keeps every event frame as it arrived ({@link #received}), before that
 * de-duplication, so that a test can count what the server really sent: duplicates and events out of order
 * included. It keeps only what the counts need (offset, the {@code n} of the data, which connection), so
 * that hundreds of clients receiving thousands of events stay cheap. One extension over client.js: a
 * {@code subscribe} refused with an error (e.g. {@code unavailable} while Redis is down) is retried after a
 * second; such refusals are counted ({@link #subscribeRefusals()}).
 *
 * <p>Threading: the JDK delivers one connection's messages on one thread at a time; all state is guarded by
 * {@code this}; a connection that was given up on can change nothing (every callback checks it is the current one).
 */
public final class ReconnectingClient implements AutoCloseable {

    /**
     * One event frame as received: its offset, the {@code n} of its data (-1 if none), the connection number
     * (1, 2, ...), its place among every frame of this client ({@code index}, 0, 1, ... over all channels) and
     * when it arrived ({@link System#nanoTime()}).
     */
    public record Received(String channel, String epoch, long seq, long n, int connection, int index, long atNanos) {

        public String offset() {
            return epoch + "-" + seq;
        }
    }

    /** One {@code subscribed} reply: on which connection, after which {@code since} (null: none). */
    public record Subscribed(String channel, String since, String offset, boolean recovered, int connection) {
    }

    /**
     * One {@code subscribed} frame, a reply or unsolicited (no {@code id}: the node tells a connected client
     * that its stream continues at {@code offset}, with {@code recovered:false} when events were lost). It
     * speaks for the part of the stream between the event frames numbered {@code from} (the first to arrive
     * after its request was sent; for an unsolicited one, after it arrived) and {@code to} (the first after it
     * arrived): a reply follows the events it replayed.
     */
    public record Notice(String channel, String since, String offset, boolean recovered, boolean unsolicited,
                         int connection, int from, int to, long atNanos) {
    }

    /** What one channel's stream brought a client: every event frame and every {@code subscribed} frame, in arrival order. */
    public record Stream(String channel, List<Received> frames, List<Notice> notices) {
    }

    private static final ScheduledExecutorService TIMERS = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "reconnecting-client-timer");
        thread.setDaemon(true);
        return thread;
    });
    private static final AtomicLong REQUEST_IDS = new AtomicLong();
    private static final Duration STABLE_AFTER = Duration.ofSeconds(10);
    private static final Duration RESUBSCRIBE_AFTER_REFUSAL = Duration.ofSeconds(1);

    private final String name;
    private final ClientLink.Transport transport;
    private final ClientLink.Events events = new LinkEvents();
    private final List<ServerNode> nodes;
    private final Set<String> channels;
    private final Duration minDelay;
    private final Duration maxDelay;

    // All guarded by this.
    private final Map<String, String> lastOffset = new HashMap<>();
    private final Map<String, String> pendingSubscribes = new HashMap<>(); // request id -> channel
    private final Map<String, String> sinceOfRequest = new HashMap<>();
    private final Map<String, Integer> fromOfRequest = new HashMap<>();
    private final List<Received> received = new ArrayList<>();
    private final List<Subscribed> subscribed = new ArrayList<>();
    private final List<Notice> notices = new ArrayList<>();
    private final Map<String, Long> firstSubscribedNanos = new HashMap<>();
    /** Epochs in the order this client first saw them: a later one is newer (epochs follow each other in time). */
    private final List<String> epochs = new ArrayList<>();
    private final List<String> closes = new ArrayList<>();
    private ClientLink current;
    private String currentNode;
    private int nodeIndex;
    private int connections;
    private int attempt;
    private long openedAtNanos;
    private boolean away;
    private boolean closed;
    private int subscribeRefusals;

    private ReconnectingClient(String name, ClientLink.Transport transport, List<ServerNode> nodes, int firstNode,
                               Set<String> channels, Duration minDelay, Duration maxDelay) {
        this.name = name;
        this.transport = transport;
        this.nodes = List.copyOf(nodes);
        this.nodeIndex = firstNode % nodes.size();
        this.channels = channels;
        this.minDelay = minDelay;
        this.maxDelay = maxDelay;
    }

    /**
     * Starts a client on {@code nodes.get(firstNode)} subscribing to {@code channels}, with client.js's
     * default backoff (0.5 s to 15 s); returns at once, see {@link #awaitSubscribed}.
     */
    public static ReconnectingClient start(String name, List<ServerNode> nodes, int firstNode, String... channels) {
        return start(name, ClientLink.Transport.WEBSOCKET, nodes, firstNode, channels);
    }

    /**
     * Like {@link #start(String, List, int, String...)} over {@code transport}: over SSE each connection is a
     * stream of one node whose requests are POSTed to the others in turn.
     */
    static ReconnectingClient start(String name, ClientLink.Transport transport, List<ServerNode> nodes, int firstNode,
                                    String... channels) {
        ReconnectingClient client = new ReconnectingClient(name, transport, nodes, firstNode,
                new LinkedHashSet<>(List.of(channels)), Duration.ofMillis(500), Duration.ofSeconds(15));
        synchronized (client) {
            client.connect();
        }
        return client;
    }

    // ---- what tests look at ---------------------------------------------------------------------

    public String name() {
        return name;
    }

    /** The node holding the current (or last) connection, from its {@code welcome}. */
    public synchronized String node() {
        return currentNode;
    }

    /** How many connections were welcomed so far (1 = never reconnected). */
    public synchronized int connections() {
        return connections;
    }

    /** Every event frame of {@code channel} in arrival order, before de-duplication. */
    public synchronized List<Received> received(String channel) {
        return received.stream().filter(r -> r.channel().equals(channel)).toList();
    }

    /** How many event frames of {@code channel} arrived (duplicates included). */
    public synchronized int receivedCount(String channel) {
        int count = 0;
        for (Received r : received) {
            if (r.channel().equals(channel)) {
                count++;
            }
        }
        return count;
    }

    /** Whether an event of {@code channel} with data {@code n} arrived. */
    public synchronized boolean hasReceived(String channel, long n) {
        for (int i = received.size() - 1; i >= 0; i--) {
            Received r = received.get(i);
            if (r.n() == n && r.channel().equals(channel)) {
                return true;
            }
        }
        return false;
    }

    /** Every event and {@code subscribed} frame of {@code channel} so far, in arrival order. */
    public synchronized Stream stream(String channel) {
        return new Stream(channel, received(channel),
                notices.stream().filter(notice -> notice.channel().equals(channel)).toList());
    }

    /** Every {@code subscribed} frame so far, replies and unsolicited ones, in order. */
    public synchronized List<Notice> notices() {
        return List.copyOf(notices);
    }

    /** When the first {@code subscribed} reply for {@code channel} arrived ({@link System#nanoTime()}), or null. */
    public synchronized Long firstSubscribedNanos(String channel) {
        return firstSubscribedNanos.get(channel);
    }

    /** Every {@code subscribed} reply so far, in order. */
    public synchronized List<Subscribed> subscribedReplies() {
        return List.copyOf(subscribed);
    }

    /** The last offset seen on {@code channel} (from an event or a {@code subscribed}), or null. */
    public synchronized String lastOffset(String channel) {
        return lastOffset.get(channel);
    }

    /** The close codes (and reasons) of the connections that ended, in order. */
    public synchronized List<String> closes() {
        return List.copyOf(closes);
    }

    public synchronized int subscribeRefusals() {
        return subscribeRefusals;
    }

    /** Waits until every channel was subscribed on connection number {@code connection} (or a later one). */
    public void awaitSubscribed(int connection, Duration timeout) {
        Await.until(name + " subscribed to " + channels + " on connection " + connection, timeout, () -> {
            synchronized (this) {
                return channels.stream().allMatch(channel -> subscribed.stream()
                        .anyMatch(s -> s.channel().equals(channel) && s.connection() >= connection));
            }
        });
    }

    // ---- what tests do --------------------------------------------------------------------------

    /**
     * Closes the connection from the client side and stays away until {@link #comeBack}: the offsets
     * seen are kept, as in a browser tab whose page stays open while the network is gone.
     */
    public void goAway() {
        ClientLink ws;
        synchronized (this) {
            away = true;
            ws = current;
            current = null;
        }
        if (ws != null) {
            ws.abort();
        }
    }

    /** Reconnects now, to node {@code index} of the list, after {@link #goAway}. */
    public synchronized void comeBack(int index) {
        away = false;
        nodeIndex = index % nodes.size();
        attempt = 0;
        connect();
    }

    @Override
    public void close() {
        ClientLink ws;
        synchronized (this) {
            closed = true;
            ws = current;
            current = null;
        }
        if (ws != null) {
            ws.abort();
        }
    }

    /** Everything a failure message needs: connections, closes, subscribed replies, events received. */
    public synchronized String describe() {
        StringBuilder text = new StringBuilder(toString()).append(": closes ").append(closes).append(", subscribed ");
        notices.forEach(s -> text.append('[').append(s.channel()).append(s.unsolicited() ? " unsolicited" : " since " + s.since())
                .append(" -> ").append(s.offset()).append(s.recovered() ? " recovered" : " NOT recovered")
                .append(" on connection ").append(s.connection()).append(" at frame ").append(s.to()).append(']'));
        text.append(", ").append(received.size()).append(" event frames");
        if (!received.isEmpty()) {
            text.append(" (first ").append(received.get(0).offset()).append(", last ")
                    .append(received.get(received.size() - 1).offset()).append(')');
        }
        return text.append(", subscribe refusals ").append(subscribeRefusals).toString();
    }

    @Override
    public synchronized String toString() {
        return name + " on " + currentNode + " (connection " + connections + ")";
    }

    // ---- the client.js behaviour -----------------------------------------------------------------

    /** Opens a connection to the current node; on failure schedules the next attempt. Holding this. */
    private void connect() {
        if (closed || away) {
            return;
        }
        transport.open(nodes.get(nodeIndex), nodes, events);
    }

    /** Holding this. */
    private void scheduleReconnect() {
        if (closed || away) {
            return;
        }
        long min = minDelay.toMillis();
        long cap = Math.min(maxDelay.toMillis(), min * (1L << Math.min(20, attempt + 1)));
        attempt++;
        long delay = min + (long) (ThreadLocalRandom.current().nextDouble() * Math.max(0, cap - min));
        nodeIndex = (nodeIndex + 1) % nodes.size();
        TIMERS.schedule(() -> {
            synchronized (this) {
                connect();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Holding this. */
    private void opened(ClientLink ws) {
        if (closed || away) {
            ws.abort();
            return;
        }
        current = ws;
        openedAtNanos = System.nanoTime();
    }

    /** Holding this. */
    private void onFrame(ClientLink ws, JsonNode frame) {
        switch (frame.path("op").asText()) {
            case "welcome" -> {
                connections++;
                currentNode = frame.path("node").asText();
                pendingSubscribes.clear();
                sinceOfRequest.clear();
                fromOfRequest.clear();
                for (String channel : channels) {
                    subscribe(ws, channel);
                }
            }
            case "event" -> onEvent(frame);
            case "subscribed" -> onSubscribed(frame);
            case "error" -> onError(ws, frame);
            case "ping" -> {
                ObjectNode pong = Json.object().put("op", "pong");
                if (frame.has("id")) {
                    pong.set("id", frame.get("id"));
                }
                send(ws, pong);
            }
            default -> {
                // pong, unsubscribed, published: nothing to do
            }
        }
    }

    private void subscribe(ClientLink ws, String channel) {
        String id = "s" + REQUEST_IDS.incrementAndGet();
        String since = lastOffset.get(channel);
        ObjectNode frame = Json.object().put("op", "subscribe").put("id", id).put("channel", channel);
        if (since != null) {
            frame.put("since", since);
        }
        pendingSubscribes.put(id, channel);
        sinceOfRequest.put(id, since);
        fromOfRequest.put(id, received.size());
        send(ws, frame);
    }

    private void onEvent(JsonNode frame) {
        String channel = frame.path("channel").asText();
        if (!channels.contains(channel)) {
            return;
        }
        String offset = frame.path("offset").asText();
        Offset parsed = Offset.parse(offset);
        received.add(new Received(channel, parsed.epoch(), parsed.seq(), frame.path("data").path("n").asLong(-1), connections,
                received.size(), System.nanoTime()));
        advance(channel, offset);
    }

    /** client.js hands an event to the application, and keeps its offset for {@code since}, only if it is after the last one seen. */
    private void advance(String channel, String offset) {
        if (isAfter(offset, lastOffset.get(channel))) {
            lastOffset.put(channel, offset);
        }
        String epoch = Offset.parse(offset).epoch();
        if (!epochs.contains(epoch)) {
            epochs.add(epoch);
        }
    }

    private void onSubscribed(JsonNode frame) {
        String offset = frame.path("offset").asText();
        boolean recovered = frame.path("recovered").asBoolean();
        String channel;
        if (!frame.has("id")) {
            // Unsolicited: the node says this connection's stream goes on from offset (a new epoch).
            channel = frame.path("channel").asText();
            if (!channels.contains(channel)) {
                return;
            }
            notices.add(new Notice(channel, null, offset, recovered, true, connections, received.size(), received.size(),
                    System.nanoTime()));
        } else {
            String id = frame.path("id").asText();
            channel = pendingSubscribes.remove(id);
            if (channel == null) {
                return;
            }
            String since = sinceOfRequest.remove(id);
            subscribed.add(new Subscribed(channel, since, offset, recovered, connections));
            notices.add(new Notice(channel, since, offset, recovered, false, connections, fromOfRequest.remove(id),
                    received.size(), System.nanoTime()));
            firstSubscribedNanos.putIfAbsent(channel, System.nanoTime());
        }
        // Only forward: live events may already have gone past the offset this frame reports.
        advance(channel, offset);
    }

    private void onError(ClientLink ws, JsonNode frame) {
        String id = frame.path("id").asText();
        String channel = pendingSubscribes.remove(id);
        if (channel == null) {
            return;
        }
        sinceOfRequest.remove(id);
        fromOfRequest.remove(id);
        subscribeRefusals++;
        TIMERS.schedule(() -> {
            synchronized (this) {
                if (ws == current) {
                    subscribe(ws, channel);
                }
            }
        }, RESUBSCRIBE_AFTER_REFUSAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Holding this. */
    private void onClosed(ClientLink ws, String why) {
        if (ws != current) {
            return;
        }
        current = null;
        closes.add(why);
        if (System.nanoTime() - openedAtNanos >= STABLE_AFTER.toNanos()) {
            attempt = 0;
        }
        scheduleReconnect();
    }

    /** Holding this: the link sends one request at a time, in order. */
    private void send(ClientLink ws, JsonNode frame) {
        ws.send(Json.write(frame));
    }

    /**
     * client.js's rule: a newer epoch wins, an older one never does; within an epoch, a greater sequence
     * number. Epochs are ordered by time; this client orders them as it first saw them (one never seen is new).
     * Holding this.
     */
    private boolean isAfter(String offset, String last) {
        if (last == null) {
            return true;
        }
        Offset a = Offset.parse(offset);
        Offset b = Offset.parse(last);
        if (a.epoch().equals(b.epoch())) {
            return a.seq() > b.seq();
        }
        int rankA = epochs.indexOf(a.epoch());
        return rankA < 0 || rankA > epochs.indexOf(b.epoch());
    }

    /** What the links report; only the current link changes anything. */
    private final class LinkEvents implements ClientLink.Events {
        @Override
        public void opened(ClientLink link) {
            synchronized (ReconnectingClient.this) {
                ReconnectingClient.this.opened(link);
            }
        }

        @Override
        public void frame(ClientLink link, JsonNode frame) {
            synchronized (ReconnectingClient.this) {
                if (link == current) {
                    onFrame(link, frame);
                }
            }
        }

        @Override
        public void closed(ClientLink link, String why) {
            synchronized (ReconnectingClient.this) {
                onClosed(link, why);
            }
        }

        @Override
        public void failed(ClientLink link, String why) {
            synchronized (ReconnectingClient.this) {
                scheduleReconnect();
            }
        }
    }
}
