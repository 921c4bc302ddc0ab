package io.switchboard.internal.node;

import io.switchboard.api.ChannelAuthorizer;
import io.switchboard.api.EventListener;
import io.switchboard.api.ServerEvent;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.messages.MessageHandlers;
import io.switchboard.internal.metrics.NodeRegistries;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Subscriber;
import io.switchboard.internal.security.ChannelAccess;
import io.switchboard.internal.security.ClientTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * The Java API door: application code's calls, mapped onto the core. A {@link Refusal} of what
 * the caller passed becomes the {@link IllegalArgumentException} the API documents; a bus that
 * does not take an event fails the stage with {@link io.switchboard.api.PublishException}.
 */
final class JavaApi implements Switchboard {
    private static final Logger log = LoggerFactory.getLogger(JavaApi.class);

    private final String nodeId;
    private final Publisher publisher;
    private final LocalTopics topics;
    private final ChannelAccess access;
    private final Optional<ClientTokens> tokens;
    private final MessageHandlers messages;
    private final BooleanSupplier stopping;
    private final JavaControl control;
    private final NodeRegistries metrics;

    JavaApi(String nodeId, Publisher publisher, LocalTopics topics, ChannelAccess access, Optional<ClientTokens> tokens,
            MessageHandlers messages, BooleanSupplier stopping, JavaControl control, NodeRegistries metrics) {
        this.nodeId = nodeId;
        this.publisher = publisher;
        this.topics = topics;
        this.access = access;
        this.tokens = tokens;
        this.messages = messages;
        this.stopping = stopping;
        this.control = control;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<String> publish(String channel, String event, Object data) {
        return publish(Refusal.asIllegalArgument(() -> Publisher.channel(channel)), event, data);
    }

    @Override
    public UserTarget toUser(String userId) {
        Topic topic = Refusal.asIllegalArgument(() -> Publisher.user(userId));
        return new UserTarget() {
            @Override
            public CompletionStage<String> publish(String event, Object data) {
                return JavaApi.this.publish(topic, event, data);
            }

            @Override
            public CompletionStage<Void> subscribe(String channel) {
                return control.subscribe(topic.name(), channel, null);
            }

            @Override
            public CompletionStage<Void> subscribe(String channel, String since) {
                return control.subscribe(topic.name(), channel, since);
            }

            @Override
            public CompletionStage<Void> unsubscribe(String channel) {
                return control.unsubscribe(topic.name(), channel);
            }

            @Override
            public CompletionStage<Integer> disconnect(String reason) {
                return control.disconnect(topic.name(), reason);
            }

            @Override
            public CompletionStage<java.util.List<io.switchboard.api.SessionInfo>> sessions() {
                return control.sessions(topic.name());
            }
        };
    }

    @Override
    public SessionTarget toSession(String sessionId) {
        return control.session(sessionId);
    }

    @Override
    public Registration onMessage(String event, io.switchboard.api.MessageHandler handler) {
        return messages.register(event, handler);
    }

    private CompletionStage<String> publish(Topic topic, String event, Object data) {
        Publisher.Draft draft = new Publisher.Draft(topic, event, Json.tree(data));
        return Refusal.asIllegalArgument(() -> publisher.publish(Publisher.Door.JAVA, draft)).thenApply(Offset::toString);
    }

    @Override
    public Registration on(String channel, EventListener listener) {
        if (!ChannelNames.isValidChannel(channel)) {
            throw new IllegalArgumentException("invalid channel name " + ChannelNames.quote(channel));
        }
        Topic topic = Topic.channel(channel);
        Subscriber subscriber = delivery -> {
            try {
                listener.onEvent(new ServerEvent(channel, delivery.envelope().event(), delivery.envelope().data(),
                        delivery.offset().toString(), delivery.envelope().origin()));
            } catch (RuntimeException e) {
                log.warn("A listener of channel {} failed on event {}", channel, delivery.offset(), e);
            }
        };
        topics.add(topic, subscriber);
        CompletableFuture<Void> ready = stopping.getAsBoolean()
                ? CompletableFuture.failedFuture(new IllegalStateException("Switchboard is shutting down"))
                : topics.live(topic);
        return new Registration() {
            @Override
            public CompletionStage<Void> ready() {
                return ready.minimalCompletionStage();
            }

            @Override
            public void close() {
                topics.remove(topic, subscriber);
            }
        };
    }

    @Override
    public Registration bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        java.util.Objects.requireNonNull(registry, "registry");
        Runnable unbind = metrics.bind(registry);
        return new Registration() {
            @Override
            public CompletionStage<Void> ready() {
                return CompletableFuture.<Void>completedFuture(null).minimalCompletionStage();
            }

            @Override
            public void close() {
                unbind.run();
            }
        };
    }

    @Override
    public void authorizeWith(ChannelAuthorizer authorizer) {
        access.authorizeWith(authorizer);
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String clientToken(String userId, Duration lifetime) {
        ClientTokens signer = tokens.orElseThrow(() -> new IllegalStateException(
                "no client token secret is configured (switchboard.token-secret)"));
        if (!ChannelNames.isValidUser(userId)) {
            throw new IllegalArgumentException("invalid user id " + ChannelNames.quote(userId));
        }
        if (lifetime.isNegative() || lifetime.isZero()) {
            throw new IllegalArgumentException("a token's lifetime must be positive, was " + lifetime);
        }
        return signer.mint(userId, lifetime);
    }

}
