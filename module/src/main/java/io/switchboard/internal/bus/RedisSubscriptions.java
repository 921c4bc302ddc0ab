package io.switchboard.internal.bus;

import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.MessageListener;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The node's Redis pub/sub subscriptions, one per topic with local interest (classic or sharded, as the bus's
 * {@link PubSubMode}), and the probe that
 * tells whether they really receive ({@link #receiving()}): every second a message on a channel of
 * this bus's own, expected back within {@link #PROBE_TIMEOUT}. When probes come back after a
 * silence, every topic is verified end to end with a check message of its own and subscribed anew
 * if it does not hear it (Redisson resubscribes after a reconnect, but has had bugs where some
 * channels stayed silent).
 *
 * <p>Threading: {@link #subscribe} and {@link #unsubscribe} run on the caller's thread; messages,
 * confirmations and probe answers arrive on Redisson's threads, which also call the
 * {@link BusListener}. The probe, registration retries and check deadlines run on
 * {@code scheduler}, the bus's single thread, which the bus shuts down after {@link #close}.
 */
final class RedisSubscriptions {
    private static final Logger log = LoggerFactory.getLogger(RedisSubscriptions.class);
    private static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** A topic's own check message: not an event (offsets never start with '~'), ignored by every node. */
    private static final String CHECK_PREFIX = "~check ";
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
    /** Per-topic warnings: with many topics (which clients choose), one line per kind per minute. */
    private static final LogLimiter warnings = new LogLimiter(log, Duration.ofMinutes(1));

    private final RedissonClient redisson;
    private final String namespace;
    private final PubSubDetection pubSub;
    private final ScheduledExecutorService scheduler;
    private final Map<Topic, TopicSubscription> subscriptions = new ConcurrentHashMap<>();
    private final PubSubRegistration probeTopic;
    private final List<PubSubRegistration> inboxes = new CopyOnWriteArrayList<>();
    private volatile BusListener listener = message -> { };
    private volatile boolean closed;
    private volatile boolean receiving = true;
    private volatile long lastProbeNanos = System.nanoTime();

    /** @param scheduler the bus's single thread: probes, retries and check deadlines run on it */
    RedisSubscriptions(RedissonClient redisson, String namespace, PubSubDetection pubSub,
                       ScheduledExecutorService scheduler) {
        this.redisson = redisson;
        this.namespace = namespace;
        this.pubSub = pubSub;
        this.scheduler = scheduler;
        this.probeTopic = registration(RedisKeys.probe(namespace, Epochs.next()),
                (channel, message) -> probeArrived(), () -> { });
    }

    private PubSubRegistration registration(String channel, MessageListener<String> onMessage,
                                            Runnable onLive) {
        return new PubSubRegistration(redisson, channel, onMessage, onLive, scheduler, () -> closed);
    }

    /** Starts the probe; messages of topics subscribed from now on go to {@code listener}. */
    void start(BusListener listener) {
        this.listener = listener;
        probeTopic.register();
        scheduler.scheduleWithFixedDelay(this::probe, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** See {@link Bus#subscribe}. */
    CompletionStage<Void> subscribe(Topic topic) {
        TopicSubscription subscription = new TopicSubscription(topic);
        TopicSubscription previous = subscriptions.put(topic, subscription);
        if (previous != null) {
            previous.cancel();
        }
        subscription.registration.register();
        return subscription.live;
    }

    /** See {@link Bus#unsubscribe}. */
    CompletionStage<Void> unsubscribe(Topic topic) {
        TopicSubscription subscription = subscriptions.remove(topic);
        return subscription == null ? CompletableFuture.completedFuture(null) : subscription.cancel();
    }

    /** See {@link Bus#receiving}. */
    boolean receiving() {
        return receiving;
    }

    /**
     * Publishes a probe on this bus's own channel and checks that the previous one came back.
     * Runs every {@link #PROBE_INTERVAL} on {@code scheduler}.
     */
    private void probe() {
        if (probeTopic.isRegistered() && probeTopic.topic() != null) {
            long sent = System.nanoTime();
            probeTopic.topic().publishAsync(String.valueOf(sent));
        }
        boolean silent = System.nanoTime() - lastProbeNanos > PROBE_TIMEOUT.toNanos();
        if (silent && receiving) {
            receiving = false;
            log.warn("The Redis bus stopped receiving its own probes for {} s: subscriptions are down, health is 503 "
                    + "until they are back", PROBE_TIMEOUT.toSeconds());
        }
    }

    private void probeArrived() {
        lastProbeNanos = System.nanoTime();
        if (!receiving) {
            receiving = true;
            log.info("The Redis bus receives again; re-subscribing {} topic(s) and repairing from history",
                    subscriptions.size());
            // Check that every topic hears a message of its own, and subscribe anew the ones that do
            // not. (Dropping and re-adding every subscription unconditionally would itself open a
            // window in which live messages are missed.)
            subscriptions.values().forEach(TopicSubscription::verify);
        }
    }

    /**
     * Drops every subscription and the probe. Listeners are not removed from Redis one by one:
     * the bus shuts Redisson down right after, which ends them all.
     */
    /** See {@link Bus#openInbox}: this node's own channel and the channel of every node. */
    void openInbox(String nodeId, Consumer<String> inbox) {
        MessageListener<String> deliver = (channel, message) -> inbox.accept(message);
        for (String channel : List.of(RedisKeys.inbox(namespace, nodeId), RedisKeys.everyNode(namespace))) {
            PubSubRegistration registration = registration(channel, deliver, () -> { });
            inboxes.add(registration);
            registration.register();
        }
    }

    /** See {@link Bus#sendToNode}. */
    CompletionStage<Void> sendToNode(String nodeId, String message) {
        return send(RedisKeys.inbox(namespace, nodeId), message);
    }

    /** See {@link Bus#sendToAll}. */
    CompletionStage<Void> sendToAll(String message) {
        return send(RedisKeys.everyNode(namespace), message);
    }

    private CompletionStage<Void> send(String channel, String message) {
        return redisson.getTopic(channel, StringCodec.INSTANCE).publishAsync(message).thenApply(receivers -> null);
    }

    void close() {
        closed = true;
        inboxes.forEach(PubSubRegistration::cancel);
        subscriptions.values().forEach(TopicSubscription::cancel);
        subscriptions.clear();
        probeTopic.cancel();
    }

    /**
     * A topic's subscription: live once Redis confirmed it, resumed after every re-subscribe, and
     * verified end to end after Redis came back ({@link #verify}).
     */
    private final class TopicSubscription {
        private final Topic topic;
        private final CompletableFuture<Void> live = new CompletableFuture<>();
        private final PubSubRegistration registration;
        private volatile String awaitedCheck; // the check message this subscription waits to hear, if any
        private volatile boolean renewing; // subscribed anew because a check went unheard: verify again once live
        private volatile boolean cancelled;

        TopicSubscription(Topic topic) {
            this.topic = topic;
            // The channel and its kind (SUBSCRIBE or SSUBSCRIBE) follow the bus's pub/sub mode.
            this.registration = new PubSubRegistration(topic.toString(),
                    () -> pubSub.mode().thenApply(mode -> mode.topic(redisson, mode.channel(namespace, topic))),
                    this::onWire, this::subscribed, scheduler, () -> closed);
        }

        private void onWire(CharSequence channel, String wire) {
            if (wire.startsWith(CHECK_PREFIX)) {
                if (wire.substring(CHECK_PREFIX.length()).equals(awaitedCheck)) {
                    awaitedCheck = null;
                }
                return; // a check message, of this node or of another: never an event
            }
            BusMessage.parse(topic, wire).ifPresentOrElse(
                    message -> listener.onMessage(message),
                    () -> warnings.warn("foreign-message", "Ignored a message on {} that is not in Switchboard's format",
                            channel));
        }

        private void subscribed() {
            if (!live.complete(null)) {
                // Not the first subscribe: a resubscribe after a reconnect; events may have been missed.
                listener.onResumed(topic);
                if (renewing) {
                    renewing = false;
                    verify();
                }
            }
        }

        /**
         * Publishes a check message on the topic's own channel; if this subscription does not hear
         * it within {@link #CHECK_TIMEOUT}, the channel is silent for us: subscribe anew (and check
         * again once that is live). Other nodes on the channel receive the check and ignore it.
         */
        void verify() {
            if (cancelled || closed) {
                return;
            }
            String token = Epochs.next();
            awaitedCheck = token;
            RTopic channel = registration.topic();
            if (channel != null) {
                channel.publishAsync(CHECK_PREFIX + token); // unheard if not subscribed yet: then subscribed anew
            }
            try {
                scheduler.schedule(() -> checkDue(token), CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("Not checking {}: the bus is closing", topic);
            }
        }

        private void checkDue(String token) {
            if (cancelled || closed || !token.equals(awaitedCheck)) {
                return; // heard, replaced by a newer check, or no longer wanted
            }
            awaitedCheck = null;
            warnings.warn("check-missed", "Channel {} did not hear its own check message within {} s after Redis "
                    + "came back; subscribing to it anew", registration.channel(), CHECK_TIMEOUT.toSeconds());
            renewing = true;
            registration.renew();
        }

        CompletionStage<Void> cancel() {
            cancelled = true;
            live.completeExceptionally(new BusUnavailableException("unsubscribed from " + topic, null));
            return registration.cancel();
        }
    }
}
