package io.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/** The one Jackson mapper of the tests, and small helpers around it. */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** A new empty JSON object to fill in. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Parses {@code text}; fails with the offending text in the message. */
    public static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not JSON: " + abbreviate(text), e);
        }
    }

    /** Serializes anything Jackson can serialize (maps, records, nodes). */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot serialize " + value, e);
        }
    }

    /** Converts anything Jackson can serialize to a tree. */
    public static JsonNode tree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /** {@code text} cut to 300 characters for a failure message, saying how long it was. */
    public static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...(" + text.length() + " chars)";
    }
}
