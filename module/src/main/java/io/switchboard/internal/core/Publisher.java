package io.switchboard.internal.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.PublishException;
import io.switchboard.internal.bus.Bus;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * The one way in for events, whichever door they come through (the HTTP API, the Java API, a
 * browser's {@code publish}): names checked, the envelope encoded once, sizes checked, then the
 * bus. A door parses its wire, calls {@link #publish}, and maps the outcome back to its wire:
 * <ul>
 *   <li>a {@link Refusal}, thrown at once, for what the caller sent (bad names, data over
 *       {@code max-data}, a batch over {@code max-batch}, a malformed idempotency key): nothing was
 *       published;</li>
 *   <li>a stage that fails with {@link PublishException} when the bus did not take the events
 *       (unavailable, shutting down, too many publishes waiting): nothing was published;</li>
 *   <li>a stage that completes with the offsets, in the order of the drafts.</li>
 * </ul>
 *
 * <p><b>Threading.</b> {@link #publish} runs on the caller's thread up to the bus call. While the
 * bus says its publishes return at once ({@link Bus#publishesWithoutWaiting()}: they only queue a
 * call to Redis) and no earlier publish waits for the hand-off, the caller makes the bus call
 * itself: waking another thread for it would cost more than the call. Otherwise the call goes to
 * the node's publish thread ({@code handOff}, one thread, FIFO, bounded): a bus call can then
 * block for seconds while Redis is unreachable, and the caller may be a container thread. Either
 * way the bus gets the publishes of one caller in the order they were made: a publish goes
 * inline only when every one handed off before it has reached the bus. Stages complete on bus
 * threads (or the caller's, when the bus answers at once).
 */
public final class Publisher {
    /** {@code {"event":"","data":,"node":"","ts":1234567890123}}: what an envelope adds around its three values. */
    private static final int ENVELOPE_OVERHEAD = 51;
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    /**
     * Where an event came in, for the node's figures: the HTTP API, the Java API, a browser's
     * {@code publish}, the standalone publisher (in its own process), the node itself (its figures
     * on the admin channel).
     */
    public enum Door { API, JAVA, BROWSER, STANDALONE, NODE }

    /** One event to publish, as a door parsed it; checked by {@link #publish}. */
    public record Draft(Topic topic, String event, JsonNode data) {
    }

    private final Bus bus;
    private final String nodeId;
    private final int maxDataBytes;
    private final int maxBatch;
    private final NodeStats stats;
    private final Executor handOff;
    private final BooleanSupplier stopping;
    /** Publishes handed off and not yet given to the bus: while any is, later ones are handed off too (order). */
    private final AtomicInteger handedOff = new AtomicInteger();

    /**
     * @param handOff  runs the bus calls in submission order; may reject when full
     * @param stopping true once the node stops: publishes fail from then on
     */
    public Publisher(Bus bus, String nodeId, int maxDataBytes, int maxBatch, NodeStats stats, Executor handOff,
                     BooleanSupplier stopping) {
        this.bus = bus;
        this.nodeId = nodeId;
        this.maxDataBytes = maxDataBytes;
        this.maxBatch = maxBatch;
        this.stats = stats;
        this.handOff = handOff;
        this.stopping = stopping;
    }

    /** The topic of a channel that may be published to or subscribed to by name. */
    public static Topic channel(String name) {
        if (!ChannelNames.isValidChannel(name)) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid channel name " + ChannelNames.quote(name)
                    + ": 1 to 128 of A-Z a-z 0-9 _ . : @ -");
        }
        if (ChannelNames.isReserved(name)) {
            throw new Refusal(ErrorCode.FORBIDDEN, "channel names starting with '@' are reserved");
        }
        return Topic.channel(name);
    }

    /** The personal topic of a user. */
    public static Topic user(String userId) {
        if (!ChannelNames.isValidUser(userId)) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid user id " + ChannelNames.quote(userId));
        }
        return Topic.user(userId);
    }

    /** Checked and encoded events, ready for {@link #publish(Prepared)}. */
    public static final class Prepared {
        private final Door door;
        private final List<Bus.Outgoing> events;
        private final String idempotencyKey;

        private Prepared(Door door, List<Bus.Outgoing> events, String idempotencyKey) {
            this.door = door;
            this.events = events;
            this.idempotencyKey = idempotencyKey;
        }
    }

    /** Publishes one event; see {@link #publish(Door, List, String)}. */
    public CompletionStage<Offset> publish(Door door, Draft draft) {
        return publish(door, List.of(draft), null).thenApply(offsets -> offsets.get(0));
    }

    /** Checks and publishes; see {@link #prepare} and {@link #publish(Prepared)}. */
    public CompletionStage<List<Offset>> publish(Door door, List<Draft> drafts, String idempotencyKey) {
        return publish(prepare(door, drafts, idempotencyKey));
    }

    /**
     * Checks names and sizes and encodes each event once: a door that has checks of its own (a
     * browser's rate limit) makes them after this, so a refused request costs it nothing.
     *
     * @throws Refusal for what the caller sent; a batch names the first bad event ({@code events[i]: ...})
     */
    public Prepared prepare(Door door, List<Draft> drafts, String idempotencyKey) {
        if (drafts.isEmpty()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "no events to publish");
        }
        if (drafts.size() > maxBatch) {
            throw new Refusal(ErrorCode.TOO_LARGE, "at most " + maxBatch + " events per batch");
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "an idempotency key is 1 to 100 letters, digits or . _ : -");
        }
        List<Bus.Outgoing> events = new ArrayList<>(drafts.size());
        for (int i = 0; i < drafts.size(); i++) {
            try {
                events.add(outgoing(drafts.get(i)));
            } catch (Refusal refusal) {
                throw drafts.size() == 1 ? refusal : new Refusal(refusal.code(), "events[" + i + "]: " + refusal.getMessage());
            }
        }
        return new Prepared(door, events, idempotencyKey);
    }

    /**
     * Publishes prepared events atomically (all or none), in order; with an idempotency key, at
     * most once per key (see {@link Bus#publish(List, String)}).
     */
    public CompletionStage<List<Offset>> publish(Prepared prepared) {
        if (stopping.getAsBoolean()) {
            return CompletableFuture.failedFuture(new PublishException("Switchboard is shutting down; nothing published"));
        }
        CompletableFuture<List<Offset>> published = new CompletableFuture<>();
        long started = System.nanoTime();
        if (handedOff.get() == 0 && bus.publishesWithoutWaiting()) {
            send(prepared.door, prepared.events, prepared.idempotencyKey, started, published);
            return published;
        }
        handedOff.incrementAndGet();
        try {
            handOff.execute(() -> {
                try {
                    send(prepared.door, prepared.events, prepared.idempotencyKey, started, published);
                } finally {
                    handedOff.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException full) {
            handedOff.decrementAndGet();
            stats.publishFailed(prepared.door);
            published.completeExceptionally(new PublishException(stopping.getAsBoolean()
                    ? "Switchboard is shutting down; nothing published"
                    : "too many publishes waiting for the bus; nothing published"));
        }
        return published;
    }

    /** On the publish thread, or the caller's (see the class comment). */
    private void send(Door door, List<Bus.Outgoing> events, String idempotencyKey, long started,
                      CompletableFuture<List<Offset>> result) {
        CompletionStage<List<Offset>> call;
        try {
            call = idempotencyKey == null ? bus.publish(events) : bus.publish(events, idempotencyKey);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((offsets, error) -> {
            if (error != null) {
                stats.publishFailed(door);
                result.completeExceptionally(new PublishException("not published: " + rootMessage(error), error));
            } else {
                stats.published(door, offsets.size(), System.nanoTime() - started);
                result.complete(offsets);
            }
        });
    }

    private Bus.Outgoing outgoing(Draft draft) {
        if (!ChannelNames.isValidEvent(draft.event())) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid event name " + ChannelNames.quote(draft.event())
                    + ": 1 to 128 printable characters");
        }
        return new Bus.Outgoing(draft.topic(), envelope(draft.event(), draft.data()));
    }

    /**
     * The wire envelope of an event published by this node, with the time it was published (for
     * the delivery lag other nodes measure). The data's size is measured as the envelope less its
     * fixed fields, so the data is encoded once.
     */
    private String envelope(String event, JsonNode data) {
        String envelope = new EventEnvelope(event, data, nodeId, System.currentTimeMillis()).encode();
        int fixedFields = event.length() + nodeId.length() + ENVELOPE_OVERHEAD;
        if (envelope.length() > maxDataBytes / 4
                && envelope.getBytes(StandardCharsets.UTF_8).length - fixedFields > maxDataBytes) {
            throw new Refusal(ErrorCode.TOO_LARGE, "event data over " + maxDataBytes + " bytes");
        }
        return envelope;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
