package io.switchboard.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * What a client sent with {@code send}, as a {@link MessageHandler} sees it.
 *
 * @param event   the event name the handler was registered for
 * @param data    the payload (a {@code NullNode} when sent without data)
 * @param user    the user the connection speaks for, empty when anonymous
 * @param session the session id (for {@link Switchboard#toSession})
 * @param node    the id of this node, which holds the session
 */
public record ClientMessage(String event, JsonNode data, Optional<String> user, String session, String node) {
}
