package io.switchboard.internal.bus;

import io.switchboard.internal.logging.LogLimiter;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.MessageListener;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One listener registration on a Redis pub/sub channel, retried until it sticks: Redisson gives
 * up on a registration attempted while Redis is down and does not retry it by itself.
 *
 * <p>Threading: {@link #register} is first called by the subscriber's thread; its completion, the
 * message listener and {@code onLive} run on Redisson's threads; retries run on {@code scheduler}
 * (the Redis bus's single thread). State read across threads is volatile; {@code warned} only
 * decides log lines, where a rare race between a retry and a renewal costs a line at most.
 */
final class PubSubRegistration {
    private static final Logger log = LoggerFactory.getLogger(PubSubRegistration.class);
    private static final Duration RETRY = Duration.ofSeconds(1);
    /** Per-channel warnings: with many topics (which clients choose), one line per kind per minute. */
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));

    private final String channel;
    private final Supplier<CompletionStage<RTopic>> topicOnceKnown;
    private volatile RTopic topic; // null until the first registration attempt found it
    private final MessageListener<String> onMessage;
    private final Runnable onLive;
    private final StatusListener onStatus;
    private final ScheduledExecutorService scheduler;
    private final BooleanSupplier busClosed;
    private volatile boolean cancelled;
    private volatile List<Integer> listenerIds = List.of();
    private boolean warned;

    /**
     * @param onLive    called each time the channel is (re)subscribed: first time and after reconnects
     * @param scheduler runs the retries
     * @param busClosed whether the bus is closing: then nothing is retried, and nothing is removed
     *                  from a Redisson that is shutting down anyway
     */
    PubSubRegistration(RedissonClient redisson, String channel, MessageListener<String> onMessage, Runnable onLive,
                       ScheduledExecutorService scheduler, BooleanSupplier busClosed) {
        this(channel, () -> CompletableFuture.completedFuture(redisson.getTopic(channel, StringCodec.INSTANCE)),
                onMessage, onLive, scheduler, busClosed);
    }

    /**
     * @param what           the channel, as log lines name it
     * @param topicOnceKnown the Redisson topic, once known (a topic's channel and kind follow the
     *                       {@link PubSubMode}, which may need Redis's answer): failing is retried as a
     *                       failed subscription is
     */
    PubSubRegistration(String what, Supplier<CompletionStage<RTopic>> topicOnceKnown, MessageListener<String> onMessage,
                       Runnable onLive, ScheduledExecutorService scheduler, BooleanSupplier busClosed) {
        this.channel = what;
        this.topicOnceKnown = topicOnceKnown;
        this.onMessage = onMessage;
        this.onLive = onLive;
        this.scheduler = scheduler;
        this.busClosed = busClosed;
        this.onStatus = new StatusListener() {
            @Override
            public void onSubscribe(String subscribed) {
                onLive.run();
            }

            @Override
            public void onUnsubscribe(String unsubscribed) {
            }
        };
    }

    String channel() {
        return channel;
    }

    /** The Redisson topic, or null before the first registration attempt found it. */
    RTopic topic() {
        return topic;
    }

    boolean isRegistered() {
        return !listenerIds.isEmpty();
    }

    void register() {
        if (cancelled || busClosed.getAsBoolean()) {
            return;
        }
        topicOnceKnown.get()
                .thenCompose(known -> {
                    topic = known;
                    return addBoth(known);
                })
                .whenComplete((ids, error) -> {
                    if (error == null) {
                        listenerIds = ids;
                        if (cancelled) {
                            removeListeners(ids);
                            return;
                        }
                        if (warned) {
                            log.info("Subscribed to {} after Redis came back", channel);
                            warned = false;
                        }
                        onLive.run();
                        return;
                    }
                    if (!warned) {
                        warned = true;
                        warnings.warn("subscribe-retry", "Could not subscribe to {} ({}); retrying every {} s "
                                + "until Redis answers", channel, error.getMessage(), RETRY.toSeconds());
                    }
                    try {
                        scheduler.schedule(this::register, RETRY.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException shuttingDown) {
                        log.debug("Not retrying {}: the bus is closing", channel);
                    }
                });
    }

    /**
     * Adds the message listener, then the status listener (added once the channel is subscribed, it
     * hears only re-subscribes; added together, Redisson still runs them one after the other on the
     * channel, and that measured no cheaper). If the status listener fails,
     * the message listener is removed again, so that a retry does not leave a second one behind
     * (which would deliver every message twice).
     */
    private CompletionStage<List<Integer>> addBoth(RTopic known) {
        return known.addListenerAsync(String.class, onMessage)
                .thenCompose(messageId -> known.addListenerAsync(onStatus)
                        .handle((statusId, error) -> {
                            if (error == null) {
                                return List.of(messageId, statusId);
                            }
                            known.removeListenerAsync(messageId);
                            throw error instanceof CompletionException completion
                                    ? completion : new CompletionException(error);
                        }));
    }

    /** Drops the registration and registers anew, which makes Redisson SUBSCRIBE again. */
    void renew() {
        List<Integer> ids = listenerIds;
        listenerIds = List.of();
        removeListeners(ids).whenComplete((ignored, error) -> register());
    }

    CompletionStage<Void> cancel() {
        cancelled = true;
        List<Integer> ids = listenerIds;
        listenerIds = List.of();
        return busClosed.getAsBoolean() ? CompletableFuture.completedFuture(null) : removeListeners(ids);
    }

    private CompletionStage<Void> removeListeners(List<Integer> ids) {
        RTopic topic = this.topic;
        if (ids.isEmpty() || topic == null) {
            return CompletableFuture.completedFuture(null);
        }
        return topic.removeListenerAsync(ids.toArray(Integer[]::new)).handle((ignored, error) -> null);
    }
}
