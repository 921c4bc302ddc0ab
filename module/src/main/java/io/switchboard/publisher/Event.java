package io.switchboard.publisher;

import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.Topic;

/**
 * One event of a batch ({@link SwitchboardPublisher#publish(java.util.List, String)}): to a
 * channel or to a user. Names are checked, and the data serialized, when the batch is published.
 */
public final class Event {
    private final boolean toUser;
    private final String target;
    private final String event;
    private final Object data;

    private Event(boolean toUser, String target, String event, Object data) {
        this.toUser = toUser;
        this.target = target;
        this.event = event;
        this.data = data;
    }

    /** An event to every subscriber of {@code channel}, on every node. */
    public static Event toChannel(String channel, String event, Object data) {
        return new Event(false, channel, event, data);
    }

    /** An event to every session of {@code userId}, on every node. */
    public static Event toUser(String userId, String event, Object data) {
        return new Event(true, userId, event, data);
    }

    /** @throws io.switchboard.internal.protocol.Refusal on a bad channel name or user id */
    Topic topic() {
        return toUser ? Publisher.user(target) : Publisher.channel(target);
    }

    String event() {
        return event;
    }

    Object data() {
        return data;
    }

    @Override
    public String toString() {
        return (toUser ? "user " : "channel ") + target + ": " + event;
    }
}
