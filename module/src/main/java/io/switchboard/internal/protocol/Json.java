package io.switchboard.internal.protocol;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapper of the module. Everything that crosses the network or Redis is read as a
 * JSON tree ({@code JsonNode}), never bound to classes named by the data. Nesting is capped so a
 * hostile frame cannot exhaust the stack.
 */
public final class Json {
    /** Deep enough for any sane payload, shallow enough to be harmless. */
    public static final int MAX_NESTING_DEPTH = 64;

    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Application data as a tree: {@code null} as JSON null, a tree as it is, anything else through Jackson. */
    public static com.fasterxml.jackson.databind.JsonNode tree(Object data) {
        if (data == null) {
            return com.fasterxml.jackson.databind.node.NullNode.instance;
        }
        if (data instanceof com.fasterxml.jackson.databind.JsonNode node) {
            return node;
        }
        return MAPPER.valueToTree(data);
    }
}
