package io.switchboard.internal.protocol;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event as it crosses the bus between nodes: {@code {"event":..., "data":..., "node":..., "ts":...}}.
 * The bus adds the offset; every node turns envelope + offset into the client frame once.
 *
 * <p>{@code ts} was added after the first release and is optional both ways: envelopes written
 * before it (or by another writer) have none, and a node that does not know it ignores it, as
 * {@link #decode} ignores every field it does not know. Clients never see it.
 *
 * @param event       the event name
 * @param data        the payload ({@code NullNode} for none)
 * @param origin      the node that published it
 * @param publishedAt when it was published, epoch milliseconds on the publishing node's clock;
 *                    0 when the envelope does not say (for the delivery lag metric only)
 */
public record EventEnvelope(String event, JsonNode data, String origin, long publishedAt) {

    /** An envelope without a publish time. */
    public EventEnvelope(String event, JsonNode data, String origin) {
        this(event, data, origin, 0);
    }

    public String encode() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("event", event);
        node.set("data", data);
        node.put("node", origin);
        if (publishedAt > 0) {
            node.put("ts", publishedAt);
        }
        return Frames.write(node);
    }

    /**
     * Reads an envelope that came from Redis. Anything else found there (another application's
     * message on a shared namespace, a corrupted value) is refused, never trusted; a {@code ts}
     * that is not a positive number counts as none.
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
        JsonNode ts = node.get("ts");
        long publishedAt = ts != null && ts.canConvertToLong() && ts.isIntegralNumber() ? Math.max(0, ts.longValue()) : 0;
        return new EventEnvelope(node.get("event").textValue(), data == null ? NullNode.instance : data,
                node.path("node").asText(""), publishedAt);
    }
}
