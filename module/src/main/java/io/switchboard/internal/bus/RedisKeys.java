package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;

import java.util.List;

/**
 * The names the Redis bus gives things in Redis. These strings are a stored format: the Lua
 * scripts build keys of the same shape ({@code publish.lua}), and a deployed Redis holds data
 * under them, so a change here strands every topic's history and sequence.
 *
 * <p>A topic of kind channel is tagged {@code ch}, a user's stream {@code u}, a presence channel's
 * joins and leaves {@code pr} (with its member state, {@code RedisPresence}); e.g. channel
 * {@code news} in namespace {@code switchboard} is published on {@code switchboard:ch:news} and
 * keeps its sequence in {@code switchboard:{ch:news}:meta}; in sharded pub/sub ({@link PubSubMode}) it is
 * published on {@code switchboard:{ch:news}:pubsub}, in the slot of its keys.
 */
final class RedisKeys {

    private RedisKeys() {
    }

    /** The Redis pub/sub channel of {@code topic}, e.g. {@code switchboard:ch:news}. */
    static String pubSubName(String namespace, Topic topic) {
        return namespace + ":" + tag(topic) + ":" + topic.name();
    }

    /**
     * The Redis pub/sub channel of {@code topic} in sharded pub/sub ({@link PubSubMode#SHARDED}), e.g.
     * {@code switchboard:{ch:news}:pubsub}: in the slot of the topic's keys, where the publish script runs.
     */
    static String shardedPubSubName(String namespace, Topic topic) {
        return key(namespace, topic, "pubsub");
    }

    /**
     * A Redis key of {@code topic}, e.g. {@code switchboard:{ch:news}:meta}. The braces are a Redis
     * Cluster hash tag: a topic's keys live in one slot, so one script may touch them together.
     */
    static String key(String namespace, Topic topic, String suffix) {
        return namespace + ":{" + tag(topic) + ":" + topic.name() + "}:" + suffix;
    }

    /** The keys of a topic's log, in the order both scripts take them: meta, history, history times. */
    static List<String> logKeys(String namespace, Topic topic) {
        return List.of(key(namespace, topic, "meta"), key(namespace, topic, "history"),
                key(namespace, topic, "history-times"));
    }

    /** The hash of every node's announced figures, by node id. */
    static String nodes(String namespace) {
        return namespace + ":nodes";
    }

    /** The pub/sub channel of messages to one node. */
    static String inbox(String namespace, String nodeId) {
        return namespace + ":node:" + nodeId;
    }

    /** The pub/sub channel of messages to every node. */
    static String everyNode(String namespace) {
        return namespace + ":node-all";
    }

    /** A probe channel of one bus instance ({@code token} makes it its own). */
    static String probe(String namespace, String token) {
        return namespace + ":probe:" + token;
    }

    private static String tag(Topic topic) {
        return switch (topic.kind()) {
            case CHANNEL -> "ch";
            case USER -> "u";
            case PRESENCE -> "pr";
        };
    }
}
