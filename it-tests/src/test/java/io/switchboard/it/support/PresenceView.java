package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.protocol.ProtocolClient;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A well-behaved member's view of one {@code presence-*} channel, built from the frames its client received as a
 * browser builds it: the {@code presence} frame's members, then each {@code join} and {@code leave} applied in
 * order. A join of a user already listed or a leave of one who is not is a violation of the SPEC's order (each
 * change once, after a list that does not hold it yet); a later {@code presence} frame starts the list afresh.
 */
public final class PresenceView {

    private final ProtocolClient client;
    private final String channel;

    private PresenceView(ProtocolClient client, String channel) {
        this.client = client;
        this.channel = channel;
    }

    /** Subscribes {@code client} (an identified one) to {@code channel} and waits for its first member list. */
    public static PresenceView watch(ProtocolClient client, String channel) {
        client.subscribe(channel);
        client.awaitFrame(frame -> "presence".equals(frame.path("op").asText())
                && channel.equals(frame.path("channel").asText()));
        return new PresenceView(client, channel);
    }

    /** The members as the frames received so far say. */
    public Set<String> members() {
        return replay(new ArrayList<>());
    }

    /** The frames received so far that break the order (a join of a member, a leave of a stranger). */
    public List<String> violations() {
        List<String> violations = new ArrayList<>();
        replay(violations);
        return violations;
    }

    /** Waits until the view holds exactly {@code expected}. */
    public void awaitMembers(Set<String> expected, Duration timeout) {
        Await.until("the members of " + channel + " as a watcher sees them", timeout, this::members,
                members -> members.equals(expected));
    }

    private Set<String> replay(List<String> violations) {
        Set<String> members = new TreeSet<>();
        for (JsonNode frame : client.frames()) {
            if (!channel.equals(frame.path("channel").asText())) {
                continue;
            }
            String user = frame.path("user").asText();
            switch (frame.path("op").asText()) {
                case "presence" -> {
                    members.clear();
                    frame.path("members").forEach(member -> members.add(member.asText()));
                }
                case "join" -> {
                    if (!members.add(user)) {
                        violations.add("join of " + user + ", a member already: " + frame);
                    }
                }
                case "leave" -> {
                    if (!members.remove(user)) {
                        violations.add("leave of " + user + ", not a member: " + frame);
                    }
                }
                default -> { }
            }
        }
        return members;
    }
}
