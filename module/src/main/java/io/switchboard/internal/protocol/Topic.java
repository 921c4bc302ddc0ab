package io.switchboard.internal.protocol;

/**
 * What the bus carries events for: a channel, the personal stream of one user, or the member
 * changes of a {@code presence-*} channel. Each topic has its own sequence, history and pub/sub
 * channel; how a bus names them is the bus's business.
 */
public record Topic(Kind kind, String name) {

    public enum Kind {
        CHANNEL, USER,
        /** The joins and leaves of a presence channel (named by the channel): written by the bus only, never by a client. */
        PRESENCE
    }

    public static Topic channel(String name) {
        return new Topic(Kind.CHANNEL, name);
    }

    public static Topic user(String userId) {
        return new Topic(Kind.USER, userId);
    }

    /** The member changes of the presence channel {@code channel}. */
    public static Topic presence(String channel) {
        return new Topic(Kind.PRESENCE, channel);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CHANNEL -> name;
            case USER -> "user " + name;
            case PRESENCE -> "members of " + name;
        };
    }
}
