package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.testkit.Json;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link SocketFleet.Script}: every connection sends the requests of its {@link Plan} one at a time, each after
 * the answer to the previous one, as a client that waits for its replies does. A request refused with
 * {@code rate_limited} is sent again after a pause when {@code retryRateLimited}, otherwise it counts as
 * answered. The answers themselves are counted by the fleet ({@link SocketFleet#counts()}).
 *
 * <p>Threading: the plan and the per-connection state run on the fleet's thread; the counters are atomic.
 */
public final class PacedRequests implements SocketFleet.Script {

    /** The requests of one connection. */
    public interface Plan {
        /** Request number {@code step} (from 0) of {@code connection}, without {@code id}; null when done. */
        ObjectNode request(int connection, int step);
    }

    /** Told about every answer that is not retried. */
    public interface Listener {
        void answered(FleetConnection connection, ObjectNode request, JsonNode answer);
    }

    private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

    private final Plan plan;
    private final boolean retryRateLimited;
    private final Listener listener;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    // Fleet thread only, indexed by connection.
    private final int[] steps;
    private final ObjectNode[] pending;
    private final boolean[] done;

    public PacedRequests(int connections, Plan plan, boolean retryRateLimited, Listener listener) {
        this.plan = plan;
        this.retryRateLimited = retryRateLimited;
        this.listener = listener;
        this.steps = new int[connections];
        this.pending = new ObjectNode[connections];
        this.done = new boolean[connections];
    }

    public PacedRequests(int connections, Plan plan, boolean retryRateLimited) {
        this(connections, plan, retryRateLimited, (connection, request, answer) -> { });
    }

    @Override
    public void welcomed(FleetConnection connection) {
        next(connection);
    }

    @Override
    public void received(FleetConnection connection, JsonNode frame) {
        int index = connection.index();
        ObjectNode request = pending[index];
        if (request == null || !frame.has("id") || !request.get("id").asText().equals(frame.path("id").asText())) {
            return; // an event, a ping, or a late answer
        }
        pending[index] = null;
        if (retryRateLimited && "rate_limited".equals(frame.path("code").asText())) {
            connection.after(RETRY_PAUSE, () -> send(connection, request));
            return;
        }
        answered.incrementAndGet();
        listener.answered(connection, request, frame);
        next(connection);
    }

    @Override
    public void ended(FleetConnection connection) {
        settle(connection.index());
    }

    private void next(FleetConnection connection) {
        int index = connection.index();
        ObjectNode request = plan.request(index, steps[index]);
        if (request == null) {
            settle(index);
            return;
        }
        request.put("id", steps[index]++);
        send(connection, request);
    }

    private void send(FleetConnection connection, ObjectNode request) {
        if (!connection.isOpen()) {
            return;
        }
        pending[connection.index()] = request;
        sent.incrementAndGet();
        connection.send(Json.write(request));
    }

    private void settle(int index) {
        if (!done[index]) {
            done[index] = true;
            settled.incrementAndGet();
        }
    }

    /** Requests sent, retries included. */
    public long sent() {
        return sent.get();
    }

    /** Answers that were not retried. */
    public long answered() {
        return answered.get();
    }

    /** Connections done with their plan, or ended. */
    public long settled() {
        return settled.get();
    }
}
