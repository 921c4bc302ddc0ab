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
import java.util.ArrayList;
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
    /** Whether the current registration completed: from then on each subscribe of the channel is a re-subscribe. */
    private volatile boolean registered;
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
                // Only a re-subscribe of a registration that completed: the status listener may be added
                // before the message listener, and the first subscribe is announced by register itself.
                if (registered) {
                    onLive.run();
                }
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
        registered = false;
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
                        registered = true;
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
     * Adds the message and the status listener, both at once: Redisson subscribes the channel once
     * and adds the other listener to that subscription. If one of them fails, the other is removed
     * again, so that a retry does not leave a second message listener behind.
     */
    private CompletionStage<List<Integer>> addBoth(RTopic known) {
        CompletableFuture<Integer> message = known.addListenerAsync(String.class, onMessage).toCompletableFuture();
        CompletableFuture<Integer> status = known.addListenerAsync(onStatus).toCompletableFuture();
        return CompletableFuture.allOf(message, status).handle((both, error) -> {
            if (error == null) {
                return List.of(message.join(), status.join());
            }
            List<Integer> added = new ArrayList<>(2);
            for (CompletableFuture<Integer> listener : List.of(message, status)) {
                if (!listener.isCompletedExceptionally()) {
                    added.add(listener.join());
                }
            }
            if (!added.isEmpty()) {
                known.removeListenerAsync(added.toArray(Integer[]::new));
            }
            throw error instanceof CompletionException completion ? completion : new CompletionException(error);
        });
    }

    /** Drops the registration and registers anew, which makes Redisson SUBSCRIBE again. */
    void renew() {
        registered = false;
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
