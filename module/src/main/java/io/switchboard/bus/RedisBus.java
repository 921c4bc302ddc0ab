package io.switchboard.bus;

import io.switchboard.protocol.Offset;
import org.redisson.api.RFuture;
import org.redisson.api.RMap;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.MessageListener;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The bus over Redis, through Redisson. Every value crosses Redis as a string ({@link StringCodec}):
 * no codec that builds objects from Redis data is ever used.
 *
 * <ul>
 *   <li>Publishing is one Lua script per batch ({@code publish.lua}): sequence, history and
 *       PUBLISH in one atomic step.</li>
 *   <li>Each topic is a Redis pub/sub channel ({@link Topic#pubSubName}); the node subscribes to
 *       it only while it has local interest.</li>
 * </ul>
 *
 * <p>Threading: Redisson delivers messages on its own threads; subscription attempts that must
 * be retried while Redis is down run on {@code retries}, a single daemon thread owned by this bus.
 */
public final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    private static final String PUBLISH_SCRIPT = script("publish.lua");
    private static final String HISTORY_SCRIPT = script("history.lua");
    private static final Duration SUBSCRIBE_RETRY = Duration.ofSeconds(1);
    private static final Duration NODE_FIGURES_TTL = Duration.ofSeconds(30);
    private static final long MIN_META_TTL_SECONDS = Duration.ofDays(7).toSeconds();

    private final RedissonClient redisson;
    private final String namespace;
    private final int historySize;
    private final long historyTtlSeconds;
    private final long metaTtlSeconds;
    private final RScript scripts;
    private final RMap<String, String> nodeFigures;
    private final Map<Topic, TopicSubscription> subscriptions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "switchboard-redis-retry");
        thread.setDaemon(true);
        return thread;
    });
    private volatile BusListener listener = message -> { };
    private volatile boolean closed;

    public RedisBus(RedissonClient redisson, String namespace, int historySize, Duration historyTtl) {
        this.redisson = redisson;
        this.namespace = namespace;
        this.historySize = historySize;
        this.historyTtlSeconds = historyTtl.toSeconds();
        this.metaTtlSeconds = Math.max(MIN_META_TTL_SECONDS, historyTtlSeconds);
        this.scripts = redisson.getScript(StringCodec.INSTANCE);
        this.nodeFigures = redisson.getMap(namespace + ":nodes", StringCodec.INSTANCE);
    }

    @Override
    public void start(BusListener listener) {
        this.listener = listener;
    }

    @Override
    public String kind() {
        return "redis";
    }

    @Override
    public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
        List<Object> keys = new ArrayList<>(events.size() * 2);
        List<Object> args = new ArrayList<>(4 + events.size() * 2);
        args.add(Epochs.next());
        args.add(String.valueOf(historySize));
        args.add(String.valueOf(historyTtlSeconds));
        args.add(String.valueOf(metaTtlSeconds));
        for (Outgoing event : events) {
            keys.add(event.topic().key(namespace, "meta"));
            keys.add(event.topic().key(namespace, "history"));
            args.add(event.topic().pubSubName(namespace));
            args.add(event.envelope());
        }
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                PUBLISH_SCRIPT, RScript.ReturnType.LIST, keys, args.toArray());
        return result.handle((offsets, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the publish: " + error.getMessage(), error);
            }
            List<Offset> parsed = new ArrayList<>(offsets.size());
            for (Object offset : offsets) {
                parsed.add(Offset.parse(offset.toString()).orElseThrow(
                        () -> new IllegalStateException("publish script returned " + offset)));
            }
            return parsed;
        });
    }

    @Override
    public CompletionStage<Void> subscribe(Topic topic) {
        TopicSubscription subscription = new TopicSubscription(topic);
        TopicSubscription previous = subscriptions.put(topic, subscription);
        if (previous != null) {
            previous.cancel();
        }
        subscription.attempt();
        return subscription.live;
    }

    @Override
    public CompletionStage<Void> unsubscribe(Topic topic) {
        TopicSubscription subscription = subscriptions.remove(topic);
        return subscription == null ? CompletableFuture.completedFuture(null) : subscription.cancel();
    }

    @Override
    public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit) {
        List<Object> keys = List.of(topic.key(namespace, "meta"), topic.key(namespace, "history"));
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE,
                HISTORY_SCRIPT, RScript.ReturnType.LIST, keys,
                since.map(Offset::epoch).orElse(""), String.valueOf(since.map(Offset::seq).orElse(0L)),
                String.valueOf(since.isPresent() ? limit : 0), Epochs.next(), String.valueOf(metaTtlSeconds));
        return result.handle((reply, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the history read: " + error.getMessage(), error);
            }
            return toHistory(topic, since, reply);
        });
    }

    private static History toHistory(Topic topic, Optional<Offset> since, List<Object> reply) {
        Offset current = new Offset(reply.get(0).toString(), Long.parseLong(reply.get(1).toString()));
        long firstRetained = Long.parseLong(reply.get(2).toString());
        List<BusMessage> events = new ArrayList<>(Math.max(0, reply.size() - 3));
        for (int i = 3; i < reply.size(); i++) {
            BusMessage.parse(topic, reply.get(i).toString()).ifPresent(events::add);
        }
        if (since.isEmpty()) {
            return new History(current, true, List.of());
        }
        Offset from = since.get();
        boolean covered = from.sameEpoch(current) && from.seq() <= current.seq() && firstRetained <= from.seq() + 1;
        boolean complete = events.isEmpty()
                ? from.seq() == current.seq()
                : events.get(events.size() - 1).offset().seq() == current.seq();
        return new History(current, covered && complete, events);
    }

    @Override
    public CompletionStage<Void> ping() {
        RFuture<Long> result = scripts.evalAsync(RScript.Mode.READ_ONLY, "return 1", RScript.ReturnType.LONG, List.of());
        return result.handle((pong, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis does not answer: " + error.getMessage(), error);
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> announce(String nodeId, String figuresJson) {
        long expiresAt = System.currentTimeMillis() + NODE_FIGURES_TTL.toMillis();
        return nodeFigures.fastPutAsync(nodeId, expiresAt + " " + figuresJson).thenApply(ignored -> null);
    }

    @Override
    public CompletionStage<Map<String, String>> nodes() {
        return nodeFigures.readAllMapAsync().thenApply(all -> {
            long now = System.currentTimeMillis();
            Map<String, String> live = new HashMap<>();
            all.forEach((node, value) -> {
                int space = value.indexOf(' ');
                if (space > 0 && Long.parseLong(value.substring(0, space)) > now) {
                    live.put(node, value.substring(space + 1));
                } else {
                    nodeFigures.fastRemoveAsync(node);
                }
            });
            return live;
        });
    }

    @Override
    public void close() {
        closed = true;
        subscriptions.values().forEach(TopicSubscription::cancel);
        subscriptions.clear();
        retries.shutdownNow();
        // Quiet period 0: nothing is in flight that we still care about. The timeout bounds undeploy.
        redisson.shutdown(0, 5, TimeUnit.SECONDS);
    }

    /**
     * One topic's Redis subscription. Registration is retried until it sticks: Redisson gives up
     * on a registration attempted while Redis is down, and does not retry it by itself.
     */
    private final class TopicSubscription {
        private final Topic topic;
        private final RTopic redisTopic;
        private final CompletableFuture<Void> live = new CompletableFuture<>();
        private final MessageListener<String> onMessage;
        private volatile boolean cancelled;
        private volatile Integer listenerId;
        private boolean warned;

        TopicSubscription(Topic topic) {
            this.topic = topic;
            this.redisTopic = redisson.getTopic(topic.pubSubName(namespace), StringCodec.INSTANCE);
            this.onMessage = (channel, wire) -> BusMessage.parse(topic, wire).ifPresentOrElse(
                    message -> listener.onMessage(message),
                    () -> log.warn("Ignored a message on {} that is not in Switchboard's format", channel));
        }

        void attempt() {
            if (cancelled || closed) {
                return;
            }
            redisTopic.addListenerAsync(String.class, onMessage).whenComplete((id, error) -> {
                if (error == null) {
                    listenerId = id;
                    if (cancelled) {
                        redisTopic.removeListenerAsync(id);
                    } else {
                        if (warned) {
                            log.info("Subscribed to {} after Redis came back", topic.pubSubName(namespace));
                        }
                        live.complete(null);
                    }
                    return;
                }
                if (!warned) {
                    warned = true;
                    log.warn("Could not subscribe to {} ({}); retrying every {} s until Redis answers",
                            topic.pubSubName(namespace), error.getMessage(), SUBSCRIBE_RETRY.toSeconds());
                }
                if (!cancelled && !closed) {
                    try {
                        retries.schedule(this::attempt, SUBSCRIBE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                        live.completeExceptionally(shuttingDown);
                    }
                }
            });
        }

        CompletionStage<Void> cancel() {
            cancelled = true;
            live.completeExceptionally(new BusUnavailableException("unsubscribed from " + topic, null));
            Integer id = listenerId;
            if (id == null || closed) {
                return CompletableFuture.completedFuture(null);
            }
            return redisTopic.removeListenerAsync(id).handle((ignored, error) -> null);
        }
    }

    private static String script(String name) {
        try (InputStream in = RedisBus.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
