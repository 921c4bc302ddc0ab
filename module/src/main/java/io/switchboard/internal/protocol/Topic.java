package io.switchboard.internal.protocol;

/**
 * What the bus carries events for: a channel, or the personal stream of one user. Each topic has
 * its own sequence, history and pub/sub channel.
 */
public record Topic(Kind kind, String name) {

    public enum Kind {
        CHANNEL("ch"), USER("u");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    public static Topic channel(String name) {
        return new Topic(Kind.CHANNEL, name);
    }

    public static Topic user(String userId) {
        return new Topic(Kind.USER, userId);
    }

    /** The Redis pub/sub channel, e.g. {@code switchboard:ch:news}. */
    public String pubSubName(String namespace) {
        return namespace + ":" + kind.tag + ":" + name;
    }

    /**
     * A Redis key of this topic. The braces are a Redis Cluster hash tag: a topic's keys live in
     * one slot, so the publish script may touch them together.
     */
    public String key(String namespace, String suffix) {
        return namespace + ":{" + kind.tag + ":" + name + "}:" + suffix;
    }

    @Override
    public String toString() {
        return kind == Kind.CHANNEL ? name : "user " + name;
    }
}
