package io.switchboard.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.bus.NettyThreadLocals;
import io.switchboard.bus.Topic;
import io.switchboard.logging.LogLimiter;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.ClientRequest;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Frames;
import io.switchboard.protocol.Offset;
import io.switchboard.protocol.ProtocolException;
import io.switchboard.registry.Delivery;
import io.switchboard.security.ClientTokens;
import io.switchboard.session.ClientSession;

import java.util.Map;
import java.util.Optional;
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
 */
public final class Connection {
    private final SwitchboardNode node;
    private final ClientSession session;
    private final String user;
    private final RateLimiter publishRate;
    private final RateLimiter subscribeRate;
    private final LogLimiter warnings;
    private final Map<String, ChannelSubscription> subscriptions = new ConcurrentHashMap<>();
    /**
     * Unsubscribed while replaying: answered (and dropped) once the replay has stopped, at its next
     * page. Bounded by the subscribe rate and by how long a replay may wait for a page to drain
     * (a client that does not read is closed as stalled), and their pages by the replay budget.
     */
    private final Map<String, ChannelSubscription> leaving = new ConcurrentHashMap<>();
    private final ChannelSubscription userSubscription;
    /**
     * Expiry (epoch seconds, inclusive) of the client token the identity rests on, moved on by
     * {@code refresh}; {@link Identity#NO_TOKEN} when it rests on none. Written on the connection's
     * thread, read by the node's expiry sweep on its timer thread.
     */
    private volatile long tokenExpiry;

    Connection(SwitchboardNode node, ClientSession session, Identity identity) {
        this.node = node;
        this.session = session;
        this.user = identity.user();
        this.tokenExpiry = identity.tokenExpiry();
        this.publishRate = new RateLimiter(node.config().publishRatePerSecond());
        // A reconnecting client re-subscribes all its channels at once: the burst allows that.
        this.subscribeRate = new RateLimiter(node.config().subscribeRatePerSecond(),
                Math.max(node.config().subscribeRatePerSecond(), node.config().maxSubscriptions()));
        this.warnings = node.warnings();
        this.userSubscription = user == null ? null : ChannelSubscription.live(Topic.user(user), session);
    }

    public ClientSession session() {
        return session;
    }

    /** Sends {@code welcome} and joins the user's personal topic. */
    void opened() {
        session.send(Frames.welcome(session.id(), node.nodeId(), node.config().heartbeat().toMillis(), user));
        if (userSubscription != null) {
            node.registry().add(userSubscription.topic(), userSubscription);
        }
    }

    public void onText(String text) {
        session.touch();
        ClientRequest request = null;
        try {
            request = ClientRequest.parse(text);
            switch (request.op()) {
                case "subscribe" -> subscribe(request);
                case "unsubscribe" -> unsubscribe(request);
                case "publish" -> publish(request);
                case "ping" -> session.send(Frames.pong(request.id()));
                case "pong" -> { } // the answer to our heartbeat; touch() above was the point
                case "refresh" -> refresh(request);
                default -> throw new ProtocolException(ErrorCode.UNKNOWN_OP,
                        "unknown op " + ChannelNames.quote(request.op()));
            }
        } catch (ProtocolException e) {
            refuse(e, request == null ? null : request.id());
        } finally {
            NettyThreadLocals.release(); // this is a container thread
        }
    }

    public void onBinary() {
        session.touch();
        refuse(new ProtocolException(ErrorCode.BAD_REQUEST, "binary frames are not supported; send JSON text frames"), null);
    }

    /** The container closed the connection (any reason): drop every subscription. */
    public void closed() {
        session.closed();
        subscriptions.values().forEach(this::drop);
        subscriptions.clear();
        leaving.values().forEach(this::drop);
        leaving.clear();
        if (userSubscription != null) {
            node.registry().remove(userSubscription.topic(), userSubscription);
        }
    }

    /** Whether the client token this connection rests on has expired without a refresh. */
    boolean tokenExpired(ClientTokens tokens) {
        long expiry = tokenExpiry;
        return expiry != Identity.NO_TOKEN && tokens.isExpired(expiry);
    }

    /**
     * {@code refresh}: a valid token for the same user moves the connection's expiry to that
     * token's. Success has no answer (SPEC v1.1 defines none); a refusal is an {@code error} and
     * leaves the old expiry in force.
     */
    private void refresh(ClientRequest request) throws ProtocolException {
        String token = request.requiredString("token");
        if (tokenExpiry == Identity.NO_TOKEN) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, user == null
                    ? "this connection has no identity to refresh"
                    : "this connection's identity comes from the server's login, not from a token");
        }
        ClientTokens.Claims claims = node.clientTokens().flatMap(tokens -> tokens.claims(token))
                .orElseThrow(() -> new ProtocolException(ErrorCode.UNAUTHORIZED,
                        "invalid or expired token; the current one still expires at " + tokenExpiry));
        if (!claims.user().equals(user)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "the token is for another user; a connection keeps its user");
        }
        tokenExpiry = claims.expiryEpochSeconds();
    }

    private void subscribe(ClientRequest request) throws ProtocolException {
        String channel = channel(request);
        authorize(channel);
        String sinceText = request.optionalString("since");
        Optional<Offset> since = Optional.empty();
        if (sinceText != null) {
            since = Optional.of(Offset.parse(sinceText).orElseThrow(() -> new ProtocolException(
                    ErrorCode.BAD_REQUEST, "'since' must be an offset like 'abc123-42', was " + ChannelNames.quote(sinceText))));
        }
        if (leaving.containsKey(channel)) {
            // Its replay stops at the next page; a new one meanwhile would interleave with it.
            throw new ProtocolException(ErrorCode.UNAVAILABLE,
                    "still ending the previous subscription to " + channel + "; retry shortly");
        }
        ChannelSubscription existing = subscriptions.get(channel);
        if (existing != null && existing.replaying()) {
            // One replay per channel at a time: a second would race the first for the queue and
            // the budget, and repeating it would multiply the history reads.
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    "already subscribing to " + channel + "; wait for 'subscribed' before subscribing again");
        }
        if (existing == null && subscriptions.size() >= node.config().maxSubscriptions()) {
            throw new ProtocolException(ErrorCode.TOO_LARGE,
                    "at most " + node.config().maxSubscriptions() + " subscriptions per connection");
        }
        if (!subscribeRate.tryAcquire()) { // last: a refusal above costs the node nothing
            throw new ProtocolException(ErrorCode.RATE_LIMITED, "at most " + node.config().subscribeRatePerSecond()
                    + " subscribes per second per connection");
        }
        Topic topic = Topic.channel(channel);
        ChannelSubscription subscription = new ChannelSubscription(topic, session, node.config().sendQueueFrames());
        ChannelSubscription previous = subscriptions.put(channel, subscription);
        if (previous != null) {
            drop(previous); // a re-subscribe once live (e.g. with a new 'since') replaces the old one
        }
        node.registry().add(topic, subscription);
        if (ChannelNames.isPresence(channel)) {
            node.presence().join(channel, user); // authorize() guarantees a user here
        }
        JsonNode id = request.id();
        Replay replay = new Replay(node.bus(), topic, session, subscription, node.replayBudget(),
                node.config().historySize(), since,
                (current, recovered) -> Frames.subscribed(channel, current, recovered, id),
                error -> subscribeFailed(channel, subscription, error, id));
        node.liveTopic(topic, node.config().heartbeat().toMillis()).whenComplete((ignored, error) -> {
            if (error != null) {
                subscribeFailed(channel, subscription, error, id);
            } else {
                replay.start();
            }
        });
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
            node.stats().replayRefused();
            warnings.info("replay-budget", "Refused a replay: the node's replay budget ({} bytes) is spent",
                    node.config().replayBudgetBytes());
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
    private void unsubscribe(ClientRequest request) throws ProtocolException {
        String channel = channel(request);
        JsonNode id = request.id();
        ChannelSubscription subscription = subscriptions.remove(channel);
        if (subscription != null) {
            // In 'leaving' before the deferral is registered: the deferred step may run at once.
            leaving.put(channel, subscription);
            if (subscription.deferUnsubscribe(() -> {
                drop(subscription);
                leaving.remove(channel, subscription);
                session.send(Frames.unsubscribed(channel, id));
            })) {
                return; // answered once the pending subscribe is (its replay stops at the next page)
            }
            leaving.remove(channel, subscription);
            drop(subscription);
        }
        session.send(Frames.unsubscribed(channel, id));
    }

    private void publish(ClientRequest request) throws ProtocolException {
        String channel = channel(request);
        String event = request.requiredString("event");
        if (!ChannelNames.isValidEvent(event)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "invalid event name " + ChannelNames.quote(event));
        }
        if (!node.config().clientPublish().matches(channel)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "browsers may not publish on " + channel);
        }
        authorize(channel);
        if (!publishRate.tryAcquire()) {
            throw new ProtocolException(ErrorCode.RATE_LIMITED,
                    "at most " + node.config().publishRatePerSecond() + " publishes per second per connection");
        }
        JsonNode id = request.id();
        CompletionStage<Offset> published;
        try {
            published = node.publish(Topic.channel(channel), event, request.data());
        } catch (IllegalArgumentException tooLarge) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, tooLarge.getMessage());
        }
        published.whenComplete((offset, error) -> {
            if (error == null) {
                session.send(Frames.published(channel, offset.toString(), id));
            } else {
                session.send(Frames.error(ErrorCode.UNAVAILABLE, "not published: the bus is unavailable", id));
            }
        });
    }

    private String channel(ClientRequest request) throws ProtocolException {
        String channel = request.requiredString("channel");
        if (!ChannelNames.isValidChannel(channel)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "invalid channel name " + ChannelNames.quote(channel)
                    + ": 1 to 128 of A-Z a-z 0-9 _ . : @ -");
        }
        if (ChannelNames.isReserved(channel)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "channel names starting with '@' are reserved");
        }
        return channel;
    }

    private void authorize(String channel) throws ProtocolException {
        if (!ChannelNames.isPrivate(channel)) {
            return;
        }
        if (user == null) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, channel + " needs an identified user");
        }
        boolean allowed;
        try {
            allowed = node.authorizer().mayAccess(user, channel);
        } catch (RuntimeException e) {
            // The application's authorizer failed: its caller gets an answer, the connection stays up.
            warnings.warn("authorizer-failed", "The channel authorizer failed for {}: {}", channel, e.toString());
            throw new ProtocolException(ErrorCode.INTERNAL, "could not check access to " + channel);
        }
        if (!allowed) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "user may not access " + channel);
        }
    }

    private void drop(ChannelSubscription subscription) {
        subscription.cancel();
        node.registry().remove(subscription.topic(), subscription);
        if (ChannelNames.isPresence(subscription.topic().name())) {
            node.presence().leave(subscription.topic().name(), user);
        }
    }

    private void refuse(ProtocolException e, JsonNode id) {
        node.stats().protocolError();
        warnings.info("refused-frame", "Refused a client request ({}): {}", e.code().wireName(),
                LogLimiter.clip(e.getMessage(), 200));
        session.send(Frames.error(e.code(), e.getMessage(), id));
    }
}
