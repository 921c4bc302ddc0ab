package io.switchboard.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.switchboard.api.ChannelAuthorizer;
import io.switchboard.api.EventListener;
import io.switchboard.api.PublishException;
import io.switchboard.api.ServerEvent;
import io.switchboard.api.Switchboard;
import io.switchboard.bus.Bus;
import io.switchboard.bus.NettyThreadLocals;
import io.switchboard.bus.Topic;
import io.switchboard.config.SwitchboardConfig;
import io.switchboard.lifecycle.OwnedThreads;
import io.switchboard.logging.LogLimiter;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.CloseCodes;
import io.switchboard.protocol.EventEnvelope;
import io.switchboard.protocol.Frames;
import io.switchboard.protocol.Json;
import io.switchboard.protocol.Offset;
import io.switchboard.registry.Registry;
import io.switchboard.registry.Subscriber;
import io.switchboard.security.ClientTokens;
import io.switchboard.security.DefaultChannelAuthorizer;
import io.switchboard.session.ClientSession;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running Switchboard instance in one web application: the Java API, the connections, the
 * registry and the bus, wired together.
 *
 * <p><b>Threads it owns</b> (all daemon, all named {@code switchboard-*}, all stopped by
 * {@link #stop}): {@code timer} (heartbeats, token expiries, node figures), {@code closer} (writes close frames,
 * which may block on a dead socket), {@code interest} (bus subscribe/unsubscribe calls, in order).
 * Bus threads belong to the bus; connection threads to the container.
 */
public final class SwitchboardNode implements Switchboard {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardNode.class);
    /** A send the container has not completed after this long means a client that stopped reading. */
    private static final long SEND_TIMEOUT_MILLIS = 30_000;
    /** {@code {"event":"","data":,"node":""}}: what an envelope adds around its three values. */
    private static final int ENVELOPE_OVERHEAD = 32;
    /** How long a replay waits for the node's replay budget before the client is told to retry. */
    private static final long REPLAY_WAIT_MILLIS = 2_000;
    /** How many replays may wait for the budget at once; more are told to retry at once. */
    private static final int REPLAYS_WAITING = 256;
    /** At most one line per kind of client-caused warning per this interval. */
    private static final Duration WARNING_INTERVAL = Duration.ofSeconds(60);

    private final SwitchboardConfig config;
    private final Bus bus;
    private final Registry registry;
    private final BusInterest interest;
    private final NodeStats stats = new NodeStats();
    private final PresenceTracker presence;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(named("switchboard-timer"));
    private final ExecutorService closer = Executors.newCachedThreadPool(named("switchboard-closer"));
    private final ExecutorService interestWorker = Executors.newSingleThreadExecutor(named("switchboard-interest"));
    private final Optional<ClientTokens> clientTokens;
    private final ReplayBudget replayBudget;
    private final LogLimiter warnings = new LogLimiter(log, WARNING_INTERVAL);
    private volatile ChannelAuthorizer authorizer = new DefaultChannelAuthorizer();
    /** Set once, by the first {@link #stop}: compare-and-set, so that two concurrent stops stop once. */
    private final java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();

    public SwitchboardNode(SwitchboardConfig config, Bus bus) {
        this(config, bus, Clock.systemUTC());
    }

    /** @param clock the clock client tokens are checked against */
    public SwitchboardNode(SwitchboardConfig config, Bus bus, Clock clock) {
        this.config = config;
        this.clientTokens = config.clientTokenSecret().map(secret -> new ClientTokens(secret, clock));
        this.bus = bus;
        this.interest = new BusInterest(bus, interestWorker, this::newDispatcher);
        this.registry = new Registry(interest);
        this.presence = new PresenceTracker(bus, config.nodeId());
        this.replayBudget = new ReplayBudget(config.replayBudgetBytes(), REPLAYS_WAITING, REPLAY_WAIT_MILLIS, timer);
    }

    private TopicDispatcher newDispatcher(Topic topic) {
        return new TopicDispatcher(topic, registry, bus, stats, Math.max(1, config.historySize()), timer);
    }

    public void start() {
        bus.start(interest);
        long heartbeat = config.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(this::checkHeartbeats, heartbeat / 2, heartbeat / 2, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::announce, 0, 10, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(this::checkStalledSends, 1, 1, TimeUnit.SECONDS);
        if (clientTokens.isPresent()) {
            // Token expiries have a resolution of one second: one sweep a second finds each in time.
            timer.scheduleWithFixedDelay(this::closeExpiredIdentities, 1, 1, TimeUnit.SECONDS);
        }
        log.info("Switchboard started: {}", config.describe());
        if (!"redis".equals(bus.kind())) {
            log.warn("Switchboard runs SINGLE-NODE with an in-process bus (no switchboard.redis configured): "
                    + "events do not reach clients connected to other server processes");
        }
    }

    /**
     * Closes every connection with 1001, drops the bus and stops every thread this node started.
     * Idempotent.
     */
    public void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Connection connection : connections.values()) {
            closing.add(CompletableFuture.runAsync(
                    () -> connection.session().closeNow(CloseCodes.GOING_AWAY, "server shutting down"), closer));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Not every connection closed cleanly within 5 s: {}", e.toString());
        }
        timer.shutdownNow();
        interestWorker.shutdownNow();
        interest.stop();
        bus.close();
        closer.shutdownNow();
        awaitTermination(timer, interestWorker, closer);
        OwnedThreads.awaitEnd("switchboard-", SwitchboardNode.class.getClassLoader(), Duration.ofSeconds(5));
        log.info("Switchboard stopped on node {}", config.nodeId());
    }

    // ---- connections --------------------------------------------------------------------------

    /** A new WebSocket connection, after the handshake was accepted. */
    public Connection open(Session session, Identity identity) {
        ClientSession clientSession = new ClientSession(session, config.sendQueueFrames(), config.sendQueueBytes(), closer);
        Connection connection = new Connection(this, clientSession, identity);
        if (stopping.get()) {
            clientSession.close(CloseCodes.GOING_AWAY, "server shutting down");
            return connection;
        }
        connections.put(clientSession.id(), connection);
        stats.connectionOpened();
        connection.opened();
        return connection;
    }

    public void closed(Connection connection) {
        connections.remove(connection.session().id());
        if (connection.session().overflowed()) {
            stats.slowConsumerClosed();
            warnings.info("slow-consumer", "Closed a client that did not read fast enough (1013): send queue "
                    + "of {} frames / {} bytes full or a send stalled", config.sendQueueFrames(), config.sendQueueBytes());
        }
        connection.closed();
    }

    /** One sweep for every session's send timeout (see {@link ClientSession#sendStalledFor}). */
    private void checkStalledSends() {
        long limit = TimeUnit.MILLISECONDS.toNanos(SEND_TIMEOUT_MILLIS);
        for (Connection connection : connections.values()) {
            if (connection.session().sendStalledFor(limit)) {
                connection.session().closeStalled("a send waited " + SEND_TIMEOUT_MILLIS / 1000
                        + " s: the client is not reading");
            }
        }
    }

    /**
     * One sweep for every connection whose client token has expired without a {@code refresh}:
     * closed with 4401, so the client reconnects with a fresh token or not at all.
     */
    void closeExpiredIdentities() {
        ClientTokens tokens = clientTokens.orElse(null);
        if (tokens == null) {
            return;
        }
        for (Connection connection : connections.values()) {
            if (connection.tokenExpired(tokens)) {
                connection.session().close(CloseCodes.IDENTITY_EXPIRED, "token expired");
            }
        }
    }

    private void checkHeartbeats() {
        long heartbeatNanos = config.heartbeat().toNanos();
        for (Connection connection : connections.values()) {
            ClientSession session = connection.session();
            long silent = session.silentNanos();
            if (silent > 2 * heartbeatNanos) {
                session.close(CloseCodes.GOING_AWAY, "no frame for two heartbeats");
            } else if (silent > heartbeatNanos && !session.pingOutstanding()) {
                session.markPingSent();
                session.send(Frames.ping());
            }
        }
    }

    // ---- the Java API ---------------------------------------------------------------------------

    @Override
    public CompletionStage<String> publish(String channel, String event, Object data) {
        if (!ChannelNames.isValidChannel(channel) || ChannelNames.isReserved(channel)) {
            throw new IllegalArgumentException("invalid channel name " + ChannelNames.quote(channel));
        }
        return publish(Topic.channel(channel), checkedEvent(event), toJson(data)).thenApply(Offset::toString);
    }

    @Override
    public UserTarget toUser(String userId) {
        if (!ChannelNames.isValidUser(userId)) {
            throw new IllegalArgumentException("invalid user id " + ChannelNames.quote(userId));
        }
        return (event, data) -> publish(Topic.user(userId), checkedEvent(event), toJson(data)).thenApply(Offset::toString);
    }

    @Override
    public Registration on(String channel, EventListener listener) {
        if (!ChannelNames.isValidChannel(channel)) {
            throw new IllegalArgumentException("invalid channel name " + ChannelNames.quote(channel));
        }
        Topic topic = Topic.channel(channel);
        Subscriber subscriber = delivery -> {
            try {
                listener.onEvent(new ServerEvent(channel, delivery.envelope().event(), delivery.envelope().data(),
                        delivery.offset().toString(), delivery.envelope().origin()));
            } catch (RuntimeException e) {
                log.warn("A listener of channel {} failed on event {}", channel, delivery.offset(), e);
            }
        };
        registry.add(topic, subscriber);
        // Read after add: the registry has declared interest (synchronously) by now, so this is
        // the subscription that covers the listener, whether this call or an earlier one started it.
        CompletableFuture<Void> ready = stopping.get()
                ? CompletableFuture.failedFuture(new IllegalStateException("Switchboard is shutting down"))
                : interest.live(topic);
        return new Registration() {
            @Override
            public CompletionStage<Void> ready() {
                return ready.minimalCompletionStage();
            }

            @Override
            public void close() {
                registry.remove(topic, subscriber);
            }
        };
    }

    @Override
    public void authorizeWith(ChannelAuthorizer authorizer) {
        this.authorizer = java.util.Objects.requireNonNull(authorizer, "authorizer");
    }

    @Override
    public String nodeId() {
        return config.nodeId();
    }

    /** Publishes one event; the data must already be within the size limit. */
    CompletionStage<Offset> publish(Topic topic, String event, JsonNode data) {
        return publishAll(List.of(new Bus.Outgoing(topic, envelope(event, data)))).thenApply(offsets -> offsets.get(0));
    }

    /** Publishes a batch atomically (all or none). */
    public CompletionStage<List<Offset>> publishAll(List<Bus.Outgoing> events) {
        return publishAll(events, null);
    }

    /**
     * Publishes a batch atomically (all or none); with an idempotency key (null for none), at most
     * once per key (see {@link Bus#publish(List, String)}).
     */
    public CompletionStage<List<Offset>> publishAll(List<Bus.Outgoing> events, String idempotencyKey) {
        if (stopping.get()) {
            return CompletableFuture.failedFuture(new PublishException("Switchboard is shutting down; nothing published"));
        }
        CompletionStage<List<Offset>> published;
        try {
            published = idempotencyKey == null ? bus.publish(events) : bus.publish(events, idempotencyKey);
        } finally {
            NettyThreadLocals.release(); // the caller's thread may be a container thread
        }
        return published.handle((offsets, error) -> {
            if (error != null) {
                stats.publishFailed();
                throw new PublishException("not published: " + rootMessage(error), error);
            }
            stats.published(offsets.size());
            return offsets;
        });
    }

    /**
     * The wire envelope of an event published by this node.
     *
     * @throws IllegalArgumentException if the data is over {@code max-data} bytes (measured as the
     *                                  envelope less its fixed fields, so the data is encoded once)
     */
    public String envelope(String event, JsonNode data) {
        String envelope = new EventEnvelope(event, data, config.nodeId()).encode();
        int fixedFields = event.length() + config.nodeId().length() + ENVELOPE_OVERHEAD;
        if (envelope.length() > config.maxDataBytes() / 4
                && envelope.getBytes(StandardCharsets.UTF_8).length - fixedFields > config.maxDataBytes()) {
            throw new IllegalArgumentException("event data over " + config.maxDataBytes() + " bytes");
        }
        return envelope;
    }

    private static String checkedEvent(String event) {
        if (!ChannelNames.isValidEvent(event)) {
            throw new IllegalArgumentException("invalid event name " + ChannelNames.quote(event));
        }
        return event;
    }

    private static JsonNode toJson(Object data) {
        if (data == null) {
            return NullNode.instance;
        }
        if (data instanceof JsonNode node) {
            return node;
        }
        return Json.MAPPER.valueToTree(data);
    }

    // ---- for the web layer ------------------------------------------------------------------

    public SwitchboardConfig config() {
        return config;
    }

    public Bus bus() {
        return bus;
    }

    Registry registry() {
        return registry;
    }

    PresenceTracker presence() {
        return presence;
    }

    ReplayBudget replayBudget() {
        return replayBudget;
    }

    /** For warnings a client can cause: at most one line per kind per minute. */
    LogLimiter warnings() {
        return warnings;
    }

    NodeStats stats() {
        return stats;
    }

    /** The verifier of client tokens; empty when no {@code switchboard.token-secret} is configured. */
    public Optional<ClientTokens> clientTokens() {
        return clientTokens;
    }

    ChannelAuthorizer authorizer() {
        return authorizer;
    }

    /** Completes when the bus subscription of {@code topic} is live, or fails after {@code millis}. */
    CompletableFuture<Void> liveTopic(Topic topic, long millis) {
        return withTimeout(interest.live(topic), millis);
    }

    /**
     * A copy of {@code stage} that fails with a {@code TimeoutException} after {@code millis}.
     * On this node's timer thread, not the JDK's shared delay thread, so that undeploy leaves
     * no thread behind.
     */
    public <T> CompletableFuture<T> withTimeout(CompletionStage<T> stage, long millis) {
        CompletableFuture<T> copy = stage.toCompletableFuture().copy();
        if (!copy.isDone()) {
            try {
                java.util.concurrent.ScheduledFuture<?> timeout = timer.schedule(
                        () -> copy.completeExceptionally(new java.util.concurrent.TimeoutException(
                                "no answer within " + millis + " ms")), millis, TimeUnit.MILLISECONDS);
                copy.whenComplete((result, error) -> timeout.cancel(false));
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                copy.completeExceptionally(stopped);
            }
        }
        return copy;
    }

    public boolean isStopping() {
        return stopping.get();
    }

    /** This node's figures, for {@code /api/stats} and the cluster view. */
    public Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("node", config.nodeId());
        figures.put("bus", bus.kind());
        figures.put("connections", connections.size());
        figures.put("topics", registry.topicCount());
        figures.put("subscriptions", registry.subscriptionCount());
        figures.put("busSubscriptions", interest.topics());
        figures.putAll(stats.snapshot());
        return figures;
    }

    private void announce() {
        presence.refresh();
        try {
            bus.announce(config.nodeId(), Json.MAPPER.writeValueAsString(figures()))
                    .whenComplete((ignored, error) -> {
                        if (error != null) {
                            log.debug("Could not announce node figures: {}", error.toString());
                        }
                    });
        } catch (JsonProcessingException | RuntimeException e) {
            log.debug("Could not announce node figures: {}", e.toString());
        }
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void awaitTermination(ExecutorService... executors) {
        for (ExecutorService executor : executors) {
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
