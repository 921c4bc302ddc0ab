package io.switchboard.internal.node;

import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.TransportKind;
import io.switchboard.internal.session.WriteDelay;
import io.switchboard.internal.session.ClientSession;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionServices;
import io.switchboard.internal.session.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;

/**
 * The node's open connections, by session id and by user, and the sweeps over them: heartbeats,
 * stalled sends, expired client tokens, and closing them all on stop.
 *
 * <p><b>Threads.</b> {@link #open}/{@link #closed} run on container threads; the sweeps on the
 * node's timer thread; close frames that may block on a dead socket are written on {@code closer}.
 */
final class Connections {
    private static final Logger log = LoggerFactory.getLogger(Connections.class);
    /** A send the container has not completed after this long means a client that stopped reading. */
    static final long SEND_TIMEOUT_MILLIS = 30_000;

    private final SessionServices services;
    private final ExecutorService closer;
    private final WriteDelay writeDelay; // null: sessions write at once
    private final BooleanSupplier stopping;
    private final NodeStats stats;
    private final LogLimiter warnings;
    private final Map<String, Connection> open = new ConcurrentHashMap<>();
    /**
     * The open connections of each identified user, for server-side control. An entry is added
     * with its connection and removed with it (an empty set goes with its last one), so the index
     * holds no more than {@code open}. Updated with {@code compute}, atomic per user.
     */
    private final Map<String, Set<Connection>> byUser = new ConcurrentHashMap<>();
    private final SlowConsumers slowConsumers;
    /** The clock identities expire by (client tokens' and admin sessions'). */
    private final Clock clock;

    /** @param writeDelay the node's write delay ({@code switchboard.write-delay}), or null for none */
    Connections(SessionServices services, ExecutorService closer, WriteDelay writeDelay, BooleanSupplier stopping,
                SlowConsumers slowConsumers, Clock clock) {
        this.writeDelay = writeDelay;
        this.services = services;
        this.clock = clock;
        this.slowConsumers = slowConsumers;
        this.closer = closer;
        this.stopping = stopping;
        this.stats = services.stats();
        this.warnings = services.warnings();
    }

    /** A new connection (WebSocket, SSE stream), after its handshake was accepted. */
    Connection open(Transport transport, Identity identity) {
        ClientSession clientSession = new ClientSession(transport, services.limits().sendQueueFrames(),
                services.limits().sendQueueBytes(), closer, writeDelay);
        Connection connection = new Connection(clientSession, identity, services);
        if (stopping.getAsBoolean()) {
            clientSession.close(CloseCodes.GOING_AWAY, "server shutting down");
            return connection;
        }
        open.put(clientSession.id(), connection);
        if (identity.user() != null) {
            byUser.compute(identity.user(), (user, connections) -> {
                Set<Connection> set = connections == null ? ConcurrentHashMap.newKeySet() : connections;
                set.add(connection);
                return set;
            });
        }
        stats.connectionOpened(connection.transport());
        connection.opened();
        return connection;
    }

    /**
     * The container closed a connection.
     *
     * @param code the close code the container reported: the client's, 1006 for a connection
     *             that dropped, or this node's own (which the session remembers, and which counts)
     */
    void closed(Connection connection, int code) {
        if (open.remove(connection.session().id()) != null) {
            Optional<ClientSession.Closing> own = connection.session().closing();
            stats.closed(own.map(ClientSession.Closing::code).orElse(code), own.isPresent());
        }
        if (connection.user() != null) {
            byUser.computeIfPresent(connection.user(), (user, connections) -> {
                connections.remove(connection);
                return connections.isEmpty() ? null : connections;
            });
        }
        if (connection.session().overflowed()) {
            stats.slowConsumerClosed();
            slowConsumers.record(connection.session().id(), connection.user(),
                    connection.session().closing().map(ClientSession.Closing::reason).orElse(null));
            warnings.info("slow-consumer", "Closed a client that did not read fast enough (1013): send queue "
                    + "of {} frames / {} bytes full or a send stalled", services.limits().sendQueueFrames(),
                    services.limits().sendQueueBytes());
        }
        connection.closed();
    }

    int count() {
        return open.size();
    }

    /** The sum of {@code figure} over the open connections of one transport (a pass over them all). */
    long sum(TransportKind transport, ToLongFunction<Connection> figure) {
        long sum = 0;
        for (Connection connection : open.values()) {
            if (connection.transport() == transport) {
                sum += figure.applyAsLong(connection);
            }
        }
        return sum;
    }

    /** The open connections of {@code user} on this node (a copy); empty for none. */
    List<Connection> ofUser(String user) {
        Set<Connection> connections = byUser.get(user);
        return connections == null ? List.of() : List.copyOf(connections);
    }

    /** The open connection with this session id, if this node holds it. */
    Optional<Connection> withId(String sessionId) {
        return Optional.ofNullable(open.get(sessionId));
    }

    /** How many users have an open connection here (for tests: the index holds no one who left). */
    int usersIndexed() {
        return byUser.size();
    }

    /**
     * Pings the quiet, closes the silent (no frame for two heartbeats); keeps streams that wrote
     * nothing for half a heartbeat looking busy to proxies. Runs every half heartbeat.
     */
    void checkHeartbeats() {
        long heartbeatNanos = TimeUnit.MILLISECONDS.toNanos(services.limits().heartbeatMillis());
        for (Connection connection : open.values()) {
            ClientSession session = connection.session();
            long silent = session.liveness().silentNanos();
            if (silent > 2 * heartbeatNanos) {
                session.close(CloseCodes.GOING_AWAY, "no frame for two heartbeats");
            } else if (silent > heartbeatNanos && !session.liveness().pingOutstanding()) {
                session.liveness().markPingSent();
                session.send(Frames.ping());
            } else {
                session.keepAliveIfQuiet(heartbeatNanos / 2);
            }
        }
    }

    /** One sweep for every session's send timeout (see {@link ClientSession#sendStalledFor}). */
    void checkStalledSends() {
        long limit = TimeUnit.MILLISECONDS.toNanos(SEND_TIMEOUT_MILLIS);
        for (Connection connection : open.values()) {
            if (connection.session().sendStalledFor(limit)) {
                connection.session().closeStalled("a send waited " + SEND_TIMEOUT_MILLIS / 1000
                        + " s: the client is not reading");
            }
        }
    }

    /**
     * One sweep for every connection whose client token (or admin session) has expired without a
     * {@code refresh}: closed with 4401, so the client reconnects with a fresh token or not at all.
     */
    void closeExpiredIdentities() {
        long now = clock.instant().getEpochSecond();
        for (Connection connection : open.values()) {
            if (connection.identityExpired(now)) {
                connection.session().close(CloseCodes.IDENTITY_EXPIRED, "token expired");
            }
        }
    }

    /** Closes every connection with 1001, waiting up to five seconds for the close frames. */
    void closeAll() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Connection connection : open.values()) {
            closing.add(CompletableFuture.runAsync(
                    () -> connection.session().closeNow(CloseCodes.GOING_AWAY, "server shutting down"), closer));
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("Not every connection closed cleanly within 5 s: {}", e.toString());
        }
    }
}
