package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.util.EnumMap;
import java.util.Map;

/**
 * How topics' events cross Redis pub/sub ({@link PubSubDetection} decides it once per bus).
 *
 * <p>{@link #CLASSIC}: {@code PUBLISH} and {@code SUBSCRIBE}, on the channel {@link RedisKeys#pubSubName}. On a
 * single Redis or Sentinel this is all there is; on a Redis Cluster every master relays every event to its own
 * subscribers, so each master pays for every event of the cluster.
 *
 * <p>{@link #SHARDED}: {@code SPUBLISH} and {@code SSUBSCRIBE} (Redis 7 Cluster), on the channel
 * {@link RedisKeys#shardedPubSubName}, which carries the topic's hash tag: it lives in the slot of the topic's
 * keys, so the publish script may send it, and only the shard owning that slot carries the event.
 *
 * <p>Only topics' events change with the mode. The probe and the node inboxes stay classic: they are few, and a
 * message to every node must reach every node whatever shard holds the channel.
 */
enum PubSubMode {
    CLASSIC("PUBLISH"),
    SHARDED("SPUBLISH");

    private final String command;

    PubSubMode(String command) {
        this.command = command;
    }

    /** The pub/sub channel of {@code topic}'s events in this mode. */
    String channel(String namespace, Topic topic) {
        return this == SHARDED ? RedisKeys.shardedPubSubName(namespace, topic) : RedisKeys.pubSubName(namespace, topic);
    }

    /** The Redisson topic of {@code channel} in this mode (a sharded one subscribes with SSUBSCRIBE). */
    RTopic topic(RedissonClient redisson, String channel) {
        return this == SHARDED ? redisson.getShardedTopic(channel, StringCodec.INSTANCE)
                : redisson.getTopic(channel, StringCodec.INSTANCE);
    }

    /**
     * {@code script} (one that uses {@code append_event}, topic-append.lua) in each mode: the scripts are the
     * same but for the command {@code append_event} publishes with, set by one line before them.
     */
    static Map<PubSubMode, String> variants(String script) {
        Map<PubSubMode, String> variants = new EnumMap<>(PubSubMode.class);
        for (PubSubMode mode : values()) {
            variants.put(mode, "local PUBLISH_COMMAND = '" + mode.command + "'\n" + script);
        }
        return Map.copyOf(variants);
    }
}
