package io.switchboard.internal.protocol;

import com.fasterxml.jackson.databind.node.TextNode;

/**
 * A user's first session joining, or last session leaving, a presence channel anywhere in the
 * cluster, as it crosses the bus: an event of the channel's presence topic ({@link Topic#presence})
 * whose envelope is {@code {"event":"join"|"leave","data":"<user>","node":"<node>"}}. The bus writes
 * these (Redis: {@code presence.lua} builds the same envelope), never a client, so they get offsets,
 * history and gap repair like any event.
 *
 * @param joined whether the user joined (else left)
 * @param user   the user id
 * @param origin the node whose sessions made the change (for a crashed node's leaves: that node)
 */
public record PresenceChange(boolean joined, String user, String origin) {
    public static final String JOIN = "join";
    public static final String LEAVE = "leave";

    public static PresenceChange join(String user, String origin) {
        return new PresenceChange(true, user, origin);
    }

    public static PresenceChange leave(String user, String origin) {
        return new PresenceChange(false, user, origin);
    }

    public String envelope() {
        return new EventEnvelope(joined ? JOIN : LEAVE, TextNode.valueOf(user), origin).encode();
    }

    /** Reads a change from a bus envelope; anything else (a foreign event on the topic) is refused. */
    public static PresenceChange of(EventEnvelope envelope) {
        boolean join = JOIN.equals(envelope.event());
        if (!join && !LEAVE.equals(envelope.event()) || !envelope.data().isTextual()) {
            throw new IllegalArgumentException("not a presence change: event " + ChannelNames.quote(envelope.event()));
        }
        return new PresenceChange(join, envelope.data().textValue(), envelope.origin());
    }

    /** The client frame of this change on {@code channel}: {@code join} or {@code leave}. */
    public String frame(String channel) {
        return Frames.write(Json.MAPPER.createObjectNode()
                .put("op", joined ? JOIN : LEAVE)
                .put("channel", channel)
                .put("user", user));
    }

    /** The {@code presence} frame: a channel's members, sent right after {@code subscribed} and after any resync. */
    public static String snapshotFrame(String channel, Iterable<String> members) {
        var frame = Json.MAPPER.createObjectNode().put("op", "presence").put("channel", channel);
        var list = frame.putArray("members");
        members.forEach(list::add);
        return Frames.write(frame);
    }
}
