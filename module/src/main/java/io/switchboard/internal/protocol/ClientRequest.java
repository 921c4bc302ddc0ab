package io.switchboard.internal.protocol;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * One frame received from a browser, checked for shape only: it is a JSON object with a string
 * {@code op} and, if present, an {@code id} that is a number or a string. The op-specific fields
 * are read with the accessors below, which refuse missing or wrongly typed values.
 */
public final class ClientRequest {
    private final String op;
    private final JsonNode id;
    private final JsonNode body;

    private ClientRequest(String op, JsonNode id, JsonNode body) {
        this.op = op;
        this.id = id;
        this.body = body;
    }

    public static ClientRequest parse(String text) {
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "invalid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "a frame must be a JSON object");
        }
        JsonNode id = body.get("id");
        if (id != null && !(id.isTextual() || id.isNumber())) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "'id' must be a number or a string");
        }
        JsonNode op = body.get("op");
        if (op == null || !op.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "missing string field 'op'");
        }
        return new ClientRequest(op.textValue(), id, body);
    }

    public String op() {
        return op;
    }

    /** The request's {@code id} to echo, or {@code null}. */
    public JsonNode id() {
        return id;
    }

    public String requiredString(String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "missing field '" + field + "' for op '" + op + "'");
        }
        if (!value.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    /** A string field that may be absent or null. */
    public String optionalString(String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new Refusal(ErrorCode.BAD_REQUEST, "field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    /** Any JSON value; absent means {@code null}. */
    public JsonNode data() {
        JsonNode data = body.get("data");
        return data == null ? NullNode.instance : data;
    }
}
