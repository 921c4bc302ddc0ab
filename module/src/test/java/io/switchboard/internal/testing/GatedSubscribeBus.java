package io.switchboard.internal.testing;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusListener;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.bus.PresenceWrite;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A bus whose subscribes take effect only when a test says so, the way a {@code SUBSCRIBE} on its
 * way to Redis has not taken effect yet: until {@link #open}, the topic's messages are not
 * received and its subscribe has not completed. Everything else is the delegate's.
 */
public final class GatedSubscribeBus implements Bus {
    private final Bus delegate;
    private final Map<Topic, CompletableFuture<Void>> gates = new ConcurrentHashMap<>();
    private final Set<Topic> requested = ConcurrentHashMap.newKeySet();
    private volatile boolean receiving = true;

    public GatedSubscribeBus(Bus delegate) {
        this.delegate = delegate;
    }

    private CompletableFuture<Void> gate(Topic topic) {
        return gates.computeIfAbsent(topic, t -> new CompletableFuture<>());
    }

    /** Lets the subscribes of {@code topic} (asked for or still to come) take effect. */
    public void open(Topic topic) {
        gate(topic).complete(null);
    }

    /** Fails the subscribes of {@code topic}, as a Redis that does not answer would. */
    public void fail(Topic topic, RuntimeException error) {
        gate(topic).completeExceptionally(error);
    }

    /** Whether the node has asked to subscribe {@code topic}. */
    public boolean requested(Topic topic) {
        return requested.contains(topic);
    }

    /** What {@link #receiving} answers from now on, as a Redis bus that noticed Redis is down would. */
    public void receiving(boolean receiving) {
        this.receiving = receiving;
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        requested.add(topic);
        return gate(topic).thenCompose(open -> delegate.subscribe(topic));
    }

    @Override
    public void start(BusListener listener) {
        delegate.start(listener);
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        return delegate.publish(events);
    }

    @Override
    public boolean publishesWithoutWaiting() {
        return delegate.publishesWithoutWaiting();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        return delegate.publish(events, idempotencyKey);
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        return delegate.unsubscribe(topic);
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
        return delegate.history(topic, since, limit, maxBytes);
    }

    @Override
    public CompletionStage<Void> ping() {
        return delegate.ping();
    }

    @Override
    public boolean receiving() {
        return receiving && delegate.receiving();
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        return delegate.announce(nodeId, figuresJson);
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        return delegate.nodes();
    }

    @Override
    public CompletionStage<Boolean> writePresence(PresenceWrite write) {
        return delegate.writePresence(write);
    }

    @Override
    public CompletionStage<PresenceSnapshot> presence(String channel) {
        return delegate.presence(channel);
    }

    @Override
    public void openInbox(String nodeId, Consumer<String> inbox) {
        delegate.openInbox(nodeId, inbox);
    }

    @Override
    public CompletionStage<Void> sendToNode(String nodeId, String message) {
        return delegate.sendToNode(nodeId, message);
    }

    @Override
    public CompletionStage<Void> sendToAll(String message) {
        return delegate.sendToAll(message);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
