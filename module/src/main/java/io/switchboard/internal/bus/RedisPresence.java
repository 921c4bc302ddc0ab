package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RedissonClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Presence channels in Redis: each node's members with its lease, and the joins and leaves they
 * cause, decided and published as events of the channel's presence topic in one atomic script call
 * ({@code presence.lua}, with the publish script's {@code append_event}). All keys of a channel carry
 * its presence topic's hash tag, so in Redis Cluster one script reaches them all.
 *
 * <p>Threading: no thread and no mutable state of its own; replies are read on Redisson's threads.
 */
final class RedisPresence {
    /** presence.lua as each {@link PubSubMode} needs it (its joins and leaves are published). */
    private static final Map<PubSubMode, String> SCRIPTS =
            PubSubMode.variants(RedisEventLog.APPEND_PRELUDE + RedisScripts.load("presence.lua"));
    /**
     * How long a channel's member state outlives its last write. Nodes holding members write at least
     * every lease renewal, far more often; this only clears what nodes that all died left behind.
     */
    private static final Duration STATE_TTL = Duration.ofSeconds(60);
    /** Values before the members in a read's reply (see presence.lua). */
    private static final int READ_HEADER = 3;
    /** Where the pub/sub channel goes among the script's arguments (see presence.lua). */
    private static final int PUBSUB_ARG = 2;

    private final RedisScripts scripts;
    private final String namespace;
    private final int historySize;
    private final long historyBytes;
    private final long historyTtlSeconds;
    private final RedisDurability durability;
    private final PubSubDetection pubSub;

    RedisPresence(RedissonClient redisson, String namespace, int historySize, long historyBytes, Duration historyTtl,
                  RedisDurability durability, PubSubDetection pubSub) {
        this.scripts = new RedisScripts(redisson);
        this.namespace = namespace;
        this.historySize = historySize;
        this.historyBytes = historyBytes;
        this.historyTtlSeconds = historyTtl.toSeconds();
        this.durability = durability;
        this.pubSub = pubSub;
    }

    /** See {@link Bus#writePresence}. */
    CompletionStage<Boolean> write(PresenceWrite write) {
        List<Object> args = common("write", write.channel());
        args.add(write.nodeId());
        args.add(String.valueOf(write.lease().toMillis()));
        args.add(write.full() ? "1" : "0");
        args.add(String.valueOf(write.added().size()));
        args.addAll(write.added());
        args.addAll(write.removed());
        return call(write.channel(), args).thenApply(reply -> "1".equals(reply.get(0).toString()));
    }

    /** See {@link Bus#presence}. */
    CompletionStage<PresenceSnapshot> read(String channel) {
        return call(channel, common("read", channel)).thenApply(reply -> {
            String epoch = reply.get(0).toString();
            long seq = Long.parseLong(reply.get(1).toString());
            long now = Long.parseLong(reply.get(2).toString());
            List<String> members = new ArrayList<>(reply.size() - READ_HEADER);
            for (int i = READ_HEADER; i < reply.size(); i++) {
                members.add(reply.get(i).toString());
            }
            return new PresenceSnapshot(epoch.isEmpty() ? Offset.marker(now) : new Offset(epoch, seq), members);
        });
    }

    private List<Object> common(String op, String channel) {
        Topic topic = Topic.presence(channel);
        List<Object> args = new ArrayList<>();
        args.add(op);
        args.add(RedisKeys.key(namespace, topic, "of:"));
        args.add(null); // the pub/sub channel, once the mode is known (see call)
        args.add(Epochs.suffix());
        args.add(String.valueOf(historySize));
        args.add(String.valueOf(historyTtlSeconds));
        args.add(String.valueOf(historyBytes));
        args.add(durability.durableRunId());
        args.add(String.valueOf(STATE_TTL.toSeconds()));
        return args;
    }

    private CompletionStage<List<Object>> call(String channel, List<Object> args) {
        Topic topic = Topic.presence(channel);
        List<Object> keys = new ArrayList<>(RedisKeys.logKeys(namespace, topic));
        keys.add(RedisKeys.key(namespace, topic, "nodes"));
        return pubSub.mode().thenCompose(mode -> {
            args.set(PUBSUB_ARG, mode.channel(namespace, topic));
            return scripts.call("presence call", SCRIPTS.get(mode), keys, args.toArray());
        });
    }
}
