package io.switchboard.internal.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.bus.RedisBus;
import io.switchboard.internal.bus.RedisClients;
import io.switchboard.internal.cluster.ClusterCalls;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.core.Reader;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.core.Timeouts;
import io.switchboard.internal.lifecycle.OwnedThreads;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.messages.MessageHandlers;
import io.switchboard.internal.metrics.NodeRegistries;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.security.ChannelAccess;
import io.switchboard.internal.security.ClientTokens;
import io.switchboard.internal.session.WriteDelay;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionLimits;
import io.switchboard.internal.session.SessionServices;
import io.switchboard.internal.session.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running Switchboard instance in one web application: builds the core (publisher, reader,
 * local topics) on the bus, and gives each door what it uses: the Java API ({@link #api()}), the
 * client connections over WebSocket or SSE ({@link #open}), the HTTP API ({@link #publisher()}, {@link #reader()}).
 *
 * <p><b>Threads it owns</b> (all daemon, all named {@code switchboard-*}, all stopped by
 * {@link #stop}): {@code timer} (heartbeats, token expiries, node figures, deadlines),
 * {@code closer} (writes close frames, which may block on a dead socket), {@code interest} (bus
 * subscribe/unsubscribe calls, in order), {@code publish} (bus publish calls, in order, off the
 * callers' threads), {@code cluster} (what other nodes ask of this one), {@code handler} (the
 * application's handlers of client {@code send}s). Bus threads belong to the bus; connection threads to the container.
 */
public final class SwitchboardNode {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardNode.class);
    /** How long a replay waits for the node's replay budget before the client is told to retry. */
    private static final long REPLAY_WAIT_MILLIS = 2_000;
    /** How many replays may wait for the budget at once; more are told to retry at once. */
    private static final int REPLAYS_WAITING = 256;
    /** Publishes waiting for the publish thread; more fail at once (the bus is not keeping up). */
    private static final int PUBLISHES_WAITING = 10_000;
    /** Calls from other nodes waiting for this node's cluster thread; more are answered as unavailable. */
    private static final int CLUSTER_CALLS_WAITING = 1_000;
    /** Threads handing out the messages of large topics; at most one drain per topic waits for them. */
    private static final int FANOUT_THREADS = 4;
    private static final int FANOUTS_WAITING = 10_000;
    /** Threads running the application's message handlers: a handler may block, so more than one. */
    private static final int HANDLER_THREADS = 8;
    /** Client sends waiting for a handler thread; more are answered unavailable. */
    private static final int HANDLER_CALLS_WAITING = 1_000;
    /** At most one line per kind of client-caused warning per this interval. */
    private static final Duration WARNING_INTERVAL = Duration.ofSeconds(60);
    /** How often the node times a round trip to the bus (a metric). */
    private static final long BUS_PROBE_SECONDS = 5;

    private final SwitchboardConfig config;
    private final Bus bus;
    private final NodeRegistries metrics;
    private final NodeStats stats;
    private final SlowConsumers slowConsumers;
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, named("switchboard-timer"));
    private final ExecutorService closer = Executors.newCachedThreadPool(named("switchboard-closer"));
    private final ExecutorService interestWorker = Executors.newSingleThreadExecutor(named("switchboard-interest"));
    private final ThreadPoolExecutor publishWorker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(PUBLISHES_WAITING), named("switchboard-publish"));
    /** Hands out the messages of topics with many local subscribers, off the bus's network threads (see TopicInbox). */
    private final ThreadPoolExecutor fanoutWorkers = new ThreadPoolExecutor(FANOUT_THREADS, FANOUT_THREADS,
            60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(FANOUTS_WAITING), named("switchboard-fanout"));
    /** Runs what other nodes ask of this one (see {@link ClusterCalls}); more waiting are refused. */
    private final ThreadPoolExecutor clusterWorker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(CLUSTER_CALLS_WAITING), named("switchboard-cluster"));
    /** Runs the application's handlers of client sends (see {@link MessageHandlers}); more waiting are refused. */
    private final ThreadPoolExecutor handlerPool = new ThreadPoolExecutor(HANDLER_THREADS, HANDLER_THREADS,
            60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(HANDLER_CALLS_WAITING), named("switchboard-handler"));
    /** Set once, by the first {@link #stop}: compare-and-set, so that two concurrent stops stop once. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Optional<ClientTokens> clientTokens;
    private final LocalTopics topics;
    private final Publisher publisher;
    private final Reader reader;
    private final Connections connections;
    private final ClusterCalls cluster;
    private final ClusterControl control;
    private final ReplayBudget replayBudget;
    private final Switchboard api;
    private final AdminFeed adminFeed;

    /** A node on the bus its configuration names: Redis when configured, else the in-process bus. */
    public static SwitchboardNode of(SwitchboardConfig config) {
        return of(config, "switchboard", Optional.empty());
    }

    /**
     * Like {@link #of(SwitchboardConfig)}, with where its meters go.
     *
     * @param jmxDomain   the JMX domain wanted when {@code switchboard.metrics=jmx} (made unique in this JVM)
     * @param application the application's own registry, to register the node's meters in too
     */
    public static SwitchboardNode of(SwitchboardConfig config, String jmxDomain, Optional<MeterRegistry> application) {
        return new SwitchboardNode(config, busOf(config), Clock.systemUTC(), jmxDomain, application);
    }

    public SwitchboardNode(SwitchboardConfig config, Bus bus) {
        this(config, bus, Clock.systemUTC());
    }

    /** @param clock the clock client tokens are checked against */
    public SwitchboardNode(SwitchboardConfig config, Bus bus, Clock clock) {
        this(config, bus, clock, "switchboard", Optional.empty());
    }

    private SwitchboardNode(SwitchboardConfig config, Bus bus, Clock clock, String jmxDomain,
                            Optional<MeterRegistry> application) {
        this.config = config;
        this.bus = bus;
        this.metrics = new NodeRegistries(config.nodeId(), config.jmxMetrics() ? Optional.of(jmxDomain) : Optional.empty(),
                application);
        this.stats = new NodeStats(metrics.meters());
        this.slowConsumers = new SlowConsumers(clock);
        this.clientTokens = config.clientTokenSecret().map(secret -> new ClientTokens(secret, clock));
        LogLimiter warnings = new LogLimiter(log, WARNING_INTERVAL);
        ChannelAccess access = new ChannelAccess(warnings);
        this.topics = new LocalTopics(bus, config.nodeId(), config.historySize(), stats, timer, interestWorker, fanoutWorkers);
        this.publisher = new Publisher(bus, config.nodeId(), config.maxDataBytes(), config.maxBatch(), stats,
                publishWorker, stopping::get);
        this.reader = new Reader(bus, config.nodeId(), config.historySize(), this::figures, new Timeouts(timer), stopping::get);
        this.replayBudget = new ReplayBudget(config.replayBudgetBytes(), REPLAYS_WAITING, REPLAY_WAIT_MILLIS, timer);
        // Deadlines answered early (most handler deadlines) leave the queue at once, not when they would have run.
        timer.setRemoveOnCancelPolicy(true);
        handlerPool.allowCoreThreadTimeOut(true); // an application without handlers keeps no idle threads
        fanoutWorkers.allowCoreThreadTimeOut(true); // nor one without large topics
        MessageHandlers messages = new MessageHandlers(handlerPool, this::after, config.handlerTimeout().toMillis(),
                config.maxDataBytes(), warnings, stopping::get);
        SessionServices services = new SessionServices(config.nodeId(), SessionLimits.of(config), publisher, reader,
                topics, replayBudget, access, clientTokens, stats, warnings, messages);
        WriteDelay writeDelay = config.writeDelay().isZero() ? null : new WriteDelay(timer, config.writeDelay().toMillis());
        this.connections = new Connections(services, closer, writeDelay, stopping::get, slowConsumers, clock);
        this.cluster = new ClusterCalls(bus, config.nodeId(), clusterWorker, new Timeouts(timer),
                () -> bus.nodes().thenApply(Map::keySet));
        new SessionControl(config.nodeId(), connections).registerWith(cluster);
        this.control = new ClusterControl(cluster, config.maxDataBytes());
        this.api = new JavaApi(config.nodeId(), publisher, topics, access, clientTokens, messages, stopping::get,
                new JavaControl(control), metrics);
        NodeGauges.register(metrics.meters(), connections, topics, bus);
        this.adminFeed = new AdminFeed(config.nodeId(), clock, bus, topics, connections, stats, slowConsumers, publisher,
                cluster);
    }

    private static Bus busOf(SwitchboardConfig config) {
        Optional<RedissonClient> client = config.redissonConfigFile().map(RedisClients::fromYaml)
                .or(() -> config.redisUrl().map(url -> RedisClients.fromUrl(url, "switchboard:" + config.nodeId())));
        return client.<Bus>map(redisson -> new RedisBus(redisson, config.namespace(), config.historySize(),
                        config.historyBytes(), config.historyTtl()))
                .orElseGet(() -> new LocalBus(config.historySize(), config.historyBytes(), config.historyTtl()));
    }

    public void start() {
        topics.start();
        cluster.start();
        long heartbeat = config.heartbeat().toMillis();
        timer.scheduleWithFixedDelay(connections::checkHeartbeats, heartbeat / 2, heartbeat / 2, TimeUnit.MILLISECONDS);
        timer.scheduleWithFixedDelay(this::announce, 0, 10, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(connections::checkStalledSends, 1, 1, TimeUnit.SECONDS);
        Timeouts probeTimeouts = new Timeouts(timer);
        timer.scheduleWithFixedDelay(() -> NodeGauges.probe(bus, stats, probeTimeouts), 0, BUS_PROBE_SECONDS, TimeUnit.SECONDS);
        timer.scheduleWithFixedDelay(adminFeed::tick, AdminFeed.FIGURES_MILLIS, AdminFeed.FIGURES_MILLIS, TimeUnit.MILLISECONDS);
        // Client tokens' and admin sessions' expiries have a resolution of one second: one sweep a second finds each in time.
        timer.scheduleWithFixedDelay(connections::closeExpiredIdentities, 1, 1, TimeUnit.SECONDS);
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
        connections.closeAll();
        timer.shutdownNow();
        interestWorker.shutdownNow();
        publishWorker.shutdownNow();
        clusterWorker.shutdownNow();
        fanoutWorkers.shutdownNow();
        handlerPool.shutdownNow(); // interrupts running handlers; their callers are closed already
        topics.stop();
        bus.close();
        closer.shutdownNow();
        awaitTermination(timer, interestWorker, publishWorker, clusterWorker, fanoutWorkers, handlerPool, closer);
        metrics.close(); // the application's registries and JMX keep nothing of this node
        OwnedThreads.awaitEnd("switchboard-", SwitchboardNode.class.getClassLoader(), Duration.ofSeconds(5));
        log.info("Switchboard stopped on node {}", config.nodeId());
    }

    // ---- the doors ------------------------------------------------------------------------------

    /** The Java API door. */
    public Switchboard api() {
        return api;
    }

    /** A new connection (WebSocket, SSE stream), after its handshake was accepted. */
    public Connection open(Transport transport, Identity identity) {
        return connections.open(transport, identity);
    }

    /** The container closed a connection (any reason), with the close code it reported. */
    public void closed(Connection connection, int code) {
        connections.closed(connection, code);
    }

    /** The container closed a connection and did not say with which code (1005: none given). */
    public void closed(Connection connection) {
        closed(connection, 1005);
    }

    /** Where the node's meters are: {@code /api/metrics} scrapes it. */
    public NodeRegistries metrics() {
        return metrics;
    }

    /** Requests to other nodes, and the handlers of theirs. */
    public ClusterCalls cluster() {
        return cluster;
    }

    /** Server-side control of users' sessions and of one session, cluster-wide. */
    public ClusterControl control() {
        return control;
    }

    public Publisher publisher() {
        return publisher;
    }

    public Reader reader() {
        return reader;
    }

    public SwitchboardConfig config() {
        return config;
    }

    /** The verifier of client tokens; empty when no {@code switchboard.token-secret} is configured. */
    public Optional<ClientTokens> clientTokens() {
        return clientTokens;
    }

    public boolean isStopping() {
        return stopping.get();
    }

    /** What the node's replays hold now, for tests and figures. */
    ReplayBudget replayBudget() {
        return replayBudget;
    }

    /** What feeds the admin page, for tests. */
    AdminFeed adminFeed() {
        return adminFeed;
    }

    /** The last slow-consumer closes, for the admin figures and tests. */
    SlowConsumers slowConsumers() {
        return slowConsumers;
    }

    /** The open connections, for tests. */
    Connections connections() {
        return connections;
    }

    /** Sweeps the connections whose client token expired (also on the timer, once a second). */
    void closeExpiredIdentities() {
        connections.closeExpiredIdentities();
    }

    /** This node's figures, for {@code /api/stats} and the cluster view. */
    public Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("node", config.nodeId());
        figures.put("bus", bus.kind());
        figures.put("connections", connections.count());
        figures.put("topics", topics.topicCount());
        figures.put("subscriptions", topics.subscriptionCount());
        figures.put("busSubscriptions", topics.busSubscriptions());
        figures.putAll(stats.snapshot());
        return figures;
    }

    private void announce() {
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

    /** A deadline on the node's timer (see {@link io.switchboard.internal.messages.Deadlines}). */
    private Runnable after(long millis, Runnable task) {
        ScheduledFuture<?> scheduled = timer.schedule(task, millis, TimeUnit.MILLISECONDS);
        return () -> scheduled.cancel(false);
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
