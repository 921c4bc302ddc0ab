package io.switchboard.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An event as a server-side listener sees it.
 *
 * @param channel the channel it was published on
 * @param event   the event name
 * @param data    its payload (a {@code NullNode} when published without data)
 * @param offset  its offset, {@code <epoch>-<seq>}
 * @param origin  the id of the node that published it
 */
public record ServerEvent(String channel, String event, JsonNode data, String offset, String origin) {
}
