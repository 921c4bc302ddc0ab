package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.lifecycle.NettyThreadLocals;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ClientRequest;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.TransportKind;
import io.switchboard.internal.security.ClientTokens;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The protocol of one client connection: reads its requests, keeps its subscriptions, answers.
 *
 * <p><b>Threading.</b> {@link #onText}/{@link #onBinary} run on the container's thread for this
 * connection, never concurrently (JSR-356). Replies to asynchronous work (history reads,
 * publishes) are sent from bus threads through the session's queue. {@link #closed} may race with
 * those completions; subscriptions are therefore kept in a concurrent map and are idempotent to cancel.
 *
 * <p><b>Memory.</b> A node holds many of these, mostly idle: what only some connections use
 * ({@code publish} and {@code send} with their rate limits, the map of channels being left) is
 * made at its first use.
 */
public final class Connection {
    /**
     * How long a user's {@code welcome} waits for the user's topic at most, holding the opening
     * thread: a subscribe normally takes one Redis round trip, and this is well under the 5 s after
     * which {@code client.js} counts a socket without {@code welcome} as a network that blocks
     * WebSockets.
     */
    private static final long MAX_WELCOME_WAIT_MILLIS = 1_000;

    private final SessionServices node;
    private final SessionLimits limits;
    private final ClientSession session;
    private final String user;
    private final boolean admin;
    private final RateLimiter subscribeRate;
    private final LogLimiter warnings;
    private final Map<String, ChannelSubscription> subscriptions = new ConcurrentHashMap<>();
    /**
     * Unsubscribed while replaying: answered (and dropped) once the replay has stopped, at its next
     * page. Bounded by the subscribe rate and by how long a replay may wait for a page to drain
     * (a client that does not read is closed as stalled), and their pages by the replay budget.
     * Made (holding {@code subscribing}) at the first unsubscribe, then kept.
     */
    private volatile Map<String, ChannelSubscription> leaving;
    /**
     * Held while a subscribe or an unsubscribe decides (never during I/O or a replay): the client's
     * thread and the node's cluster thread (server-side control) both make these decisions, and a
     * check-then-put on {@code subscriptions} must not interleave with another one.
     */
    private final Object subscribing = new Object();
    /** Set (holding {@code subscribing}) once the connection closed: a later server-side subscribe is refused. */
    private boolean ended;
    private final Instant connectedAt = Instant.now();
    private final ChannelSubscription userSubscription;
    private ClientMessages messages; // made at the first 'send', on the connection's thread
    private ClientPublishes publishes; // made at the first 'publish', on the connection's thread
    private final PresenceFeeds presenceFeeds;
    /**
     * Expiry (epoch seconds, inclusive) of the client token the identity rests on, moved on by
     * {@code refresh}; {@link Identity#NO_TOKEN} when it rests on none. Written on the connection's
     * thread, read by the node's expiry sweep on its timer thread.
     */
    private volatile long tokenExpiry;

    /**
     * @param node what this connection uses of its node (shared by every connection of the node)
     */
    public Connection(ClientSession session, Identity identity, SessionServices node) {
        this.node = node;
        this.limits = node.limits();
        this.session = session;
        this.user = identity.user();
        this.admin = identity.admin();
        this.tokenExpiry = identity.tokenExpiry();
        // A reconnecting client re-subscribes all its channels at once: the burst allows that.
        this.subscribeRate = new RateLimiter(limits.subscribeRatePerSecond(),
                Math.max(limits.subscribeRatePerSecond(), limits.maxSubscriptions()));
        this.warnings = node.warnings();
        this.userSubscription = user == null ? null : ChannelSubscription.live(Topic.user(user), session);
        this.presenceFeeds = new PresenceFeeds(session, node.topics(), limits.sendQueueFrames());
    }

    public ClientSession session() {
        return session;
    }

    /** The user this connection speaks for; null when anonymous. */
    public String user() {
        return user;
    }

    /** When the connection opened. */
    public Instant connectedAt() {
        return connectedAt;
    }

    /** How frames reach this client. */
    public TransportKind transport() {
        return TransportKind.of(session.transport());
    }

    /** How many channels are subscribed now (those being subscribed included). */
    public int subscriptionCount() {
        return subscriptions.size();
    }

    /** The channels subscribed now (those being subscribed included), sorted. */
    public List<String> channels() {
        return subscriptions.keySet().stream().sorted().toList();
    }

    /**
     * Sends {@code welcome} and joins the user's personal topic. Runs on the thread that opened the
     * connection (the container's, for a WebSocket).
     *
     * <p>A user's {@code welcome} goes out once the node's bus subscription of that topic is live, so
     * that an event published for the user after the client saw {@code welcome} reaches this
     * session (a subscription still on its way to Redis would miss it). That costs the opening
     * thread one Redis round trip for a user with no other session on this node, and at most
     * {@link #MAX_WELCOME_WAIT_MILLIS} while Redis does not answer; none while the bus is known to
     * be down, when the client is welcomed as an anonymous one would be.
     */
    public void opened() {
        OutboundFrame welcome = OutboundFrame.of(
                Frames.welcome(session.id(), node.nodeId(), limits.heartbeatMillis(), user, session.secret()));
        if (userSubscription == null) {
            session.send(welcome);
        } else {
            // welcome first: an event of a topic that is live already must not overtake it
            session.sendFirstAfter(welcome, this::joinUserTopic);
        }
    }

    private void joinUserTopic() {
        Topic topic = userSubscription.topic();
        node.topics().add(topic, userSubscription);
        if (!node.topics().busReceiving()) {
            return; // Redis is down: not worth holding the container's thread for
        }
        try {
            node.topics().live(topic, Math.min(MAX_WELCOME_WAIT_MILLIS, limits.heartbeatMillis())).join();
        } catch (CompletionException | CancellationException failed) {
            // Welcomed anyway; the topic goes live when Redis answers the subscribe.
            warnings.warn("user-topic-not-live", "A user's topic was not live in time: {}",
                    (failed.getCause() != null ? failed.getCause() : failed).toString());
        }
    }

    public void onText(String text) {
        session.liveness().touch();
        ClientRequest request = null;
        try {
            request = ClientRequest.parse(text);
            switch (request.op()) {
                case "subscribe" -> subscribe(request);
                case "unsubscribe" -> unsubscribe(request);
                case "publish" -> publishes().publish(request);
                case "ping" -> session.send(Frames.pong(request.id()));
                case "pong" -> { } // the answer to our heartbeat; touch() above was the point
                case "refresh" -> refresh(request);
                case "send" -> messages().send(request);
                default -> throw new Refusal(ErrorCode.UNKNOWN_OP,
                        "unknown op " + ChannelNames.quote(request.op()));
            }
        } catch (Refusal e) {
            refuse(e, request == null ? null : request.id());
        } catch (RuntimeException e) {
            // A defect here must not reach the container (which would close the socket): the
            // caller gets an answer and the connection goes on.
            warnings.warn("request-failed", "A client request failed: {}", e.toString());
            refuse(new Refusal(ErrorCode.INTERNAL, "the request could not be handled"), request == null ? null : request.id());
        } finally {
            NettyThreadLocals.release(); // this is a container thread
        }
    }

    public void onBinary() {
        session.liveness().touch();
        refuse(new Refusal(ErrorCode.BAD_REQUEST, "binary frames are not supported; send JSON text frames"), null);
    }

    /** The container closed the connection (any reason): drop every subscription. */
    public void closed() {
        synchronized (subscribing) {
            ended = true; // from now on nothing adds to what is dropped below
        }
        session.closed();
        subscriptions.values().forEach(this::drop);
        subscriptions.clear();
        Map<String, ChannelSubscription> left = leaving;
        if (left != null) {
            left.values().forEach(this::drop);
            left.clear();
        }
        if (userSubscription != null) {
            node.topics().remove(userSubscription.topic(), userSubscription);
        }
    }

    /**
     * Whether the client token (or admin session) this connection rests on has expired without a
     * refresh by {@code nowEpochSeconds}.
     */
    public boolean identityExpired(long nowEpochSeconds) {
        long expiry = tokenExpiry;
        return expiry != Identity.NO_TOKEN && expiry < nowEpochSeconds;
    }

    /**
     * {@code refresh}: a valid token for the same user moves the connection's expiry to that
     * token's. Success has no answer (SPEC v1.1 defines none); a refusal is an {@code error} and
     * leaves the old expiry in force.
     */
    private void refresh(ClientRequest request) {
        String token = request.requiredString("token");
        if (tokenExpiry == Identity.NO_TOKEN) {
            throw new Refusal(ErrorCode.BAD_REQUEST, user == null
                    ? "this connection has no identity to refresh"
                    : "this connection's identity comes from the server's login, not from a token");
        }
        ClientTokens.Claims claims = node.tokens().flatMap(tokens -> tokens.claims(token))
                .orElseThrow(() -> new Refusal(ErrorCode.UNAUTHORIZED,
                        "invalid or expired token; the current one still expires at " + tokenExpiry));
        if (!claims.user().equals(user)) {
            throw new Refusal(ErrorCode.FORBIDDEN, "the token is for another user; a connection keeps its user");
        }
        tokenExpiry = claims.expiryEpochSeconds();
    }

    private void subscribe(ClientRequest request) {
        String channel = channel(request);
        if (admin && ChannelNames.ADMIN_CHANNEL.equals(channel)) {
            subscribe(channel, Optional.empty(), request.id(), true); // live figures only: nothing to replay
            return;
        }
        node.access().check(user, channel);
        String sinceText = request.optionalString("since");
        Optional<Offset> since = Optional.empty();
        if (sinceText != null) {
            since = Optional.of(Offset.parse(sinceText).orElseThrow(() -> new Refusal(
                    ErrorCode.BAD_REQUEST, "'since' must be an offset like 'abc123-42', was " + ChannelNames.quote(sinceText))));
        }
        subscribe(channel, since, request.id(), true);
    }

    /**
     * Subscribes because the application asked (server-side control, from any node): the same
     * rules and frames as a client's {@code subscribe} (replay after {@code since}, then
     * {@code subscribed} without an {@code id}), except the channel authorizer and the subscribe
     * rate, which guard the node against clients, not against its own application.
     *
     * @param channel a valid channel name (not reserved)
     * @throws Refusal if this session cannot take it now: at its limit of subscriptions, or still
     *                 subscribing to or leaving the channel
     */
    public void subscribeByServer(String channel, Optional<Offset> since) {
        subscribe(channel, since, null, false);
    }

    /** Unsubscribes because the application asked: like a client's {@code unsubscribe}, answered {@code unsubscribed}. */
    public void unsubscribeByServer(String channel) {
        unsubscribe(channel, null);
    }

    /** The one way a subscription starts, whoever asked: the rules under {@code subscribing}, the replay after it. */
    private void subscribe(String channel, Optional<Offset> since, JsonNode id, boolean byClient) {
        Topic topic = Topic.channel(channel);
        ChannelSubscription subscription = new ChannelSubscription(topic, session, limits.sendQueueFrames());
        boolean first; // this subscription began the node's bus subscription of the topic
        synchronized (subscribing) {
            if (ended) {
                throw new Refusal(ErrorCode.NOT_FOUND, "the session has closed");
            }
            admit(channel, byClient);
            ChannelSubscription previous = subscriptions.put(channel, subscription);
            // The access check (or the application's own control) guarantees a user on a presence
            // channel. Joined before the subscription it replaces leaves: a re-subscribe is no
            // leave and join for the cluster.
            CompletionStage<Void> joined = ChannelNames.isPresence(channel) ? node.topics().joined(channel, user) : null;
            if (previous != null) {
                drop(previous); // a re-subscribe once live (e.g. with a new 'since') replaces the old one
            }
            first = node.topics().add(topic, subscription);
            if (joined != null) {
                presenceFeeds.open(channel, subscription, joined); // the members follow 'subscribed'
            }
        }
        Replay replay = new Replay(node.reader(), node.stats(), topic, session, subscription, node.replayBudget(),
                limits.historySize(), since,
                (current, recovered) -> Frames.subscribed(channel, current, recovered, id),
                error -> subscribeFailed(channel, subscription, error, id));
        // The first subscriber of a topic on this node receives every event after the position the
        // node's bus subscription began at: a new channel is answered with it, without a read of its own.
        node.topics().liveAt(topic, limits.heartbeatMillis()).whenComplete((position, error) -> {
            if (error != null) {
                subscribeFailed(channel, subscription, error, id);
            } else {
                replay.start(first ? position : Optional.empty());
            }
        });
    }

    /** The subscribe rules; passes, or throws the refusal. Called holding {@code subscribing}. */
    private void admit(String channel, boolean byClient) {
        Map<String, ChannelSubscription> left = leaving;
        if (left != null && left.containsKey(channel)) {
            // Its replay stops at the next page; a new one meanwhile would interleave with it.
            throw new Refusal(ErrorCode.UNAVAILABLE,
                    "still ending the previous subscription to " + channel + "; retry shortly");
        }
        ChannelSubscription existing = subscriptions.get(channel);
        if (existing != null && existing.replaying()) {
            // One replay per channel at a time: a second would race the first for the queue and
            // the budget, and repeating it would multiply the history reads.
            throw new Refusal(ErrorCode.BAD_REQUEST,
                    "already subscribing to " + channel + "; wait for 'subscribed' before subscribing again");
        }
        if (existing == null && subscriptions.size() >= limits.maxSubscriptions()) {
            throw new Refusal(ErrorCode.TOO_LARGE,
                    "at most " + limits.maxSubscriptions() + " subscriptions per connection");
        }
        if (byClient && !subscribeRate.tryAcquire()) { // last: a refusal above costs the node nothing
            throw new Refusal(ErrorCode.RATE_LIMITED, "at most " + limits.subscribeRatePerSecond()
                    + " subscribes per second per connection");
        }
    }

    private void subscribeFailed(String channel, ChannelSubscription subscription, Throwable error, JsonNode id) {
        // Only if this subscription is still the current one: an unsubscribe or a newer subscribe
        // that replaced it has answered for the channel already.
        if (!subscriptions.remove(channel, subscription)) {
            subscription.runDeferredUnsubscribe();
            return;
        }
        drop(subscription);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ReplayBudget.Exhausted) {
            warnings.info("replay-budget", "Refused a replay: the node's replay budget ({} bytes) is spent",
                    limits.replayBudgetBytes());
            session.send(Frames.error(ErrorCode.UNAVAILABLE, "cannot replay " + channel + " now: "
                    + cause.getMessage(), id));
            return;
        }
        warnings.warn("subscribe-failed", "Could not subscribe a client to {}: {}", channel, cause);
        session.send(Frames.error(ErrorCode.UNAVAILABLE,
                "cannot subscribe to " + channel + " now: the bus is unavailable", id));
    }

    /**
     * Never rate-limited: a client may always let go of what it holds, and an unsubscribe of
     * nothing costs no more than a {@code ping}; churn is bounded by limiting subscribes.
     */
    private void unsubscribe(ClientRequest request) {
        unsubscribe(channel(request), request.id());
    }

    private void unsubscribe(String channel, JsonNode id) {
        synchronized (subscribing) {
            ChannelSubscription subscription = subscriptions.remove(channel);
            if (subscription != null) {
                // In 'leaving' before the deferral is registered: the deferred step may run at once.
                Map<String, ChannelSubscription> left = leaving != null ? leaving : (leaving = new ConcurrentHashMap<>());
                left.put(channel, subscription);
                if (subscription.deferUnsubscribe(() -> {
                    drop(subscription);
                    left.remove(channel, subscription);
                    session.send(Frames.unsubscribed(channel, id));
                })) {
                    return; // answered once the pending subscribe is (its replay stops at the next page)
                }
                left.remove(channel, subscription);
                drop(subscription);
            }
        }
        session.send(Frames.unsubscribed(channel, id));
    }

    private ClientPublishes publishes() {
        if (publishes == null) {
            publishes = new ClientPublishes(node, session, user);
        }
        return publishes;
    }

    private ClientMessages messages() {
        if (messages == null) {
            messages = new ClientMessages(node, session, user);
        }
        return messages;
    }

    /** The channel a request names: any valid one that is not reserved, and the admin channel for the admin page. */
    private String channel(ClientRequest request) {
        String channel = request.requiredString("channel");
        return admin && ChannelNames.ADMIN_CHANNEL.equals(channel) ? channel : Publisher.channel(channel).name();
    }

    private void drop(ChannelSubscription subscription) {
        subscription.cancel();
        node.topics().remove(subscription.topic(), subscription);
        if (ChannelNames.isPresence(subscription.topic().name())) {
            presenceFeeds.close(subscription);
            node.topics().left(subscription.topic().name(), user);
        }
    }

    private void refuse(Refusal e, JsonNode id) {
        node.stats().refused(e.code());
        warnings.info("refused-frame", "Refused a client request ({}): {}", e.code().wireName(),
                LogLimiter.clip(e.getMessage(), 200));
        session.send(Frames.error(e.code(), e.getMessage(), id));
    }
}
