package io.switchboard.internal.protocol;

/**
 * What the bus carries events for: a channel, or the personal stream of one user. Each topic has
 * its own sequence, history and pub/sub channel; how a bus names them is the bus's business.
 */
public record Topic(Kind kind, String name) {

    public enum Kind {
        CHANNEL, USER
    }

    public static Topic channel(String name) {
        return new Topic(Kind.CHANNEL, name);
    }

    public static Topic user(String userId) {
        return new Topic(Kind.USER, userId);
    }

    @Override
    public String toString() {
        return kind == Kind.CHANNEL ? name : "user " + name;
    }
}
