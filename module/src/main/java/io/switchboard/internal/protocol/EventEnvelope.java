package io.switchboard.internal.protocol;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event as it crosses the bus between nodes: {@code {"event":..., "data":..., "node":...}}.
 * The bus adds the offset; every node turns envelope + offset into the client frame once.
 *
 * @param event  the event name
 * @param data   the payload ({@code NullNode} for none)
 * @param origin the node that published it
 */
public record EventEnvelope(String event, JsonNode data, String origin) {

    public String encode() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("event", event);
        node.set("data", data);
        node.put("node", origin);
        return Frames.write(node);
    }

    /**
     * Reads an envelope that came from Redis. Anything else found there (another application's
     * message on a shared namespace, a corrupted value) is refused, never trusted.
     */
    public static EventEnvelope decode(String json) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("bus message is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject() || !node.path("event").isTextual()) {
            throw new IllegalArgumentException("bus message is not an event envelope");
        }
        JsonNode data = node.get("data");
        return new EventEnvelope(node.get("event").textValue(), data == null ? NullNode.instance : data,
                node.path("node").asText(""));
    }
}
