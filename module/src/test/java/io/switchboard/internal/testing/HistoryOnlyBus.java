package io.switchboard.internal.testing;

import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.bus.BusListener;
import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.bus.PresenceWrite;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** A bus for dispatcher tests, which only read history: everything else is refused. */
public abstract class HistoryOnlyBus implements Bus {

    @Override
    public void start(BusListener listener) {
    }

    @Override
    public String kind() {
        return "test";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events, String idempotencyKey) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> ping() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean receiving() {
        return true;
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Boolean> writePresence(PresenceWrite write) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<PresenceSnapshot> presence(String channel) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }

    @Override
    public void openInbox(String nodeId, java.util.function.Consumer<String> inbox) {
    }

    @Override
    public CompletionStage<Void> sendToNode(String nodeId, String message) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Void> sendToAll(String message) {
        throw new UnsupportedOperationException();
    }
}
