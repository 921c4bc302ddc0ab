package io.switchboard.api;

import jakarta.servlet.ServletContext;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * What application code calls: publish events to channels or users, cluster-wide, and listen
 * to a channel's events on every node.
 *
 * <p>One instance exists per web application; find it with {@link #from(ServletContext)}.
 *
 * <p><b>Delivery contract.</b> A stage returned by {@code publish} completes normally with the
 * event's offset once the bus has accepted the event (it then reaches every subscriber of the
 * channel on every node, in offset order). It completes exceptionally with
 * {@link PublishException} when the event was published nowhere: there is no half-published
 * state.
 *
 * <p><b>Threading.</b> All methods are thread-safe and never block on I/O. Stages complete on a
 * bus thread: do not block in dependent actions.
 */
public interface Switchboard {

    /** The {@link ServletContext} attribute under which the running instance is stored. */
    String CONTEXT_ATTRIBUTE = Switchboard.class.getName();

    /**
     * The {@link ServletContext} attribute under which an application hands Switchboard its own
     * {@code io.micrometer.core.instrument.MeterRegistry} before Switchboard starts (from a
     * {@code ServletContainerInitializer} that runs first, or an embedding such as Spring Boot's):
     * Switchboard's meters are then registered there from the start, besides its own registry
     * (which {@code /api/metrics} shows). Later, use {@link #bindMetrics}.
     */
    String METER_REGISTRY_ATTRIBUTE = Switchboard.class.getName() + ".meterRegistry";

    /**
     * The instance of the web application that owns {@code context}.
     *
     * @throws IllegalStateException if Switchboard is not running in that application
     *                               (switched off, failed to start, or already stopped)
     */
    static Switchboard from(ServletContext context) {
        Objects.requireNonNull(context, "context");
        Object instance = context.getAttribute(CONTEXT_ATTRIBUTE);
        if (instance instanceof Switchboard switchboard) {
            return switchboard;
        }
        throw new IllegalStateException("Switchboard is not running in web application '"
                + context.getContextPath() + "' (switched off by switchboard.enabled=false, or not started)");
    }

    /**
     * Publishes an event to every subscriber of {@code channel} on every node.
     *
     * @param channel a channel name: 1 to 128 of {@code [A-Za-z0-9_.:@-]}
     * @param event   the event name, 1 to 128 characters
     * @param data    anything Jackson can serialize (a {@code Map}, a record, a {@code JsonNode},
     *                a {@code String}, ...), or {@code null}
     * @return the offset ({@code <epoch>-<seq>}) the event received
     * @throws IllegalArgumentException on a bad channel or event name, or data over the limit
     */
    CompletionStage<String> publish(String channel, String event, Object data);

    /** Events addressed to one user: delivered to every session of that user, on every node. */
    UserTarget toUser(String userId);

    /**
     * Registers a listener that runs on this node for every event of {@code channel}, whichever
     * node published it. Every node that registers one receives every event: the cluster-wide
     * counterpart of an in-process event emitter.
     *
     * <p>The listener hears every event published after {@link Registration#ready()} has
     * completed; events published between this call and then may or may not reach it (this node
     * may still be subscribing on the bus).
     *
     * @return a handle that tells when the listener is live and unregisters it
     */
    Registration on(String channel, EventListener listener);

    /**
     * Registers the handler of what clients {@code send} with {@code event} (replacing any earlier
     * handler of it). A {@code send} of an event with no handler is answered {@code not_found}.
     *
     * @param event an event name, 1 to 128 printable characters
     * @return a handle whose {@code close()} unregisters the handler ({@code ready()} is complete)
     */
    Registration onMessage(String event, MessageHandler handler);

    /** One session, wherever in the cluster it is connected. */
    SessionTarget toSession(String sessionId);

    /**
     * Registers Switchboard's meters (see the README's metrics table) in the application's own
     * {@code registry} too, besides Switchboard's own registry, which {@code /api/metrics} keeps
     * showing. Counters and gauges show everything since start; timers and summaries (latencies,
     * replay sizes) count from this call on, so bind early (a {@code ServletContextListener}).
     * When Switchboard stops (undeploy) its meters are removed from {@code registry} again.
     *
     * @return a handle whose {@code close()} removes the meters from {@code registry} now
     */
    Registration bindMetrics(io.micrometer.core.instrument.MeterRegistry registry);

    /**
     * Replaces the authorizer of {@code private-*} and {@code presence-*} channels (see
     * {@link ChannelAuthorizer} for the default).
     */
    void authorizeWith(ChannelAuthorizer authorizer);

    /** The id of this node, as shown to clients in {@code welcome}. */
    String nodeId();

    /**
     * A client token for {@code userId}, for the browser to connect with ({@code ?token=}) and to
     * {@code refresh} with before it expires: the application's backend mints one for a user it
     * has logged in. Signed with {@code switchboard.token-secret}; any node of the cluster accepts it.
     *
     * @param lifetime how long the token is valid, from now
     * @throws IllegalStateException    if no {@code switchboard.token-secret} is configured
     * @throws IllegalArgumentException on an invalid user id or a lifetime that is not positive
     */
    String clientToken(String userId, java.time.Duration lifetime);

    /**
     * One user: every session of theirs, on every node.
     *
     * <p><b>Server-side control</b> ({@link #subscribe}, {@link #unsubscribe}, {@link #disconnect},
     * {@link #sessions}) asks every live node, each of which acts on its own sessions of the user
     * and answers; the stage completes with what the nodes that answered within a few seconds did
     * (a node that does not answer is taken as gone, with its sessions). A user with no session
     * anywhere is no error. A bad channel name or offset throws {@link IllegalArgumentException}
     * at once; a call the bus cannot carry fails the stage with {@link IllegalStateException}.
     * What a session is subscribed to by the server is that session's: a client that reconnects
     * starts a new session with only what it asks for itself.
     */
    interface UserTarget {
        /** Like {@link Switchboard#publish}, to every session of the user on every node. */
        CompletionStage<String> publish(String event, Object data);

        /**
         * Subscribes every session of the user, on every node, to {@code channel}, as if each had
         * sent {@code subscribe}: each gets {@code subscribed} (and a presence snapshot on a
         * {@code presence-*} channel). Completes once every live node has done it for its sessions.
         * The channel authorizer and the subscribe rate are not asked (the application is); the
         * other rules are: a session at its limit of subscriptions, or still subscribing to the
         * channel, keeps what it has (logged; the HTTP API lists such sessions in its answer).
         */
        CompletionStage<Void> subscribe(String channel);

        /** Like {@link #subscribe(String)}, first replaying the events after {@code since} (an offset). */
        CompletionStage<Void> subscribe(String channel, String since);

        /** Unsubscribes every session of the user from {@code channel}; each gets {@code unsubscribed}. */
        CompletionStage<Void> unsubscribe(String channel);

        /**
         * Closes every session of the user with 4403 (the client does not reconnect by itself).
         *
         * @param reason the close reason the clients see (cut to 123 bytes); null for a default
         * @return how many sessions were closed
         */
        CompletionStage<Integer> disconnect(String reason);

        /** The user's sessions on every live node, oldest first. */
        CompletionStage<java.util.List<SessionInfo>> sessions();
    }

    /** One session, wherever it is connected. */
    interface SessionTarget {
        /**
         * Sends an event to this session only: an {@code event} frame on channel {@code @session},
         * without an offset (it is kept in no history, so a client that was disconnected meanwhile
         * never gets it). Completes once the node holding the session has queued it. Fails with
         * {@link NoSuchSessionException} when no node holds the session, with
         * {@link PublishException} when the bus could not carry it; a bad event name or data over
         * the limit throws {@link IllegalArgumentException} at once.
         */
        CompletionStage<Void> publish(String event, Object data);
    }

    /** A registered listener. */
    interface Registration extends AutoCloseable {
        /**
         * Completes once this node's bus subscription for the channel is live, so that the listener
         * hears every event published from then on. While the bus is unavailable it keeps waiting
         * (the node retries until Redis answers); it fails only if the registration is closed or
         * Switchboard stops first.
         */
        CompletionStage<Void> ready();

        /** Unregisters the listener; calling it again does nothing. */
        @Override
        void close();
    }
}
