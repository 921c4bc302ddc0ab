package io.switchboard.api;

import java.time.Instant;
import java.util.List;

/**
 * One session of a user, somewhere in the cluster (see {@link Switchboard.UserTarget#sessions()}).
 *
 * @param session   its id
 * @param node      the node that holds it
 * @param transport {@code websocket} (or {@code sse})
 * @param channels  the channels it is subscribed to
 * @param since     when it connected
 */
public record SessionInfo(String session, String node, String transport, List<String> channels, Instant since) {
}
