package io.switchboard.internal.web;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;

/** The JSON bodies of API requests, read whole up to the configured limit. */
final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * Reads the JSON body. Over {@code maxBodyBytes} (declared or read) is a {@link Refusal}
     * {@code too_large}; a body that is not JSON is answered 400 here and empty returned.
     *
     * @param emptyIsObject whether an empty body stands for {@code {}} (all of its fields optional)
     */
    static Optional<JsonNode> read(HttpServletRequest request, HttpServletResponse response, int maxBodyBytes,
                                   boolean emptyIsObject) throws IOException {
        long declared = request.getContentLengthLong();
        if (declared > maxBodyBytes) {
            throw new Refusal(ErrorCode.TOO_LARGE, "request body over " + maxBodyBytes + " bytes");
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            if (declared >= 0) {
                // The container stops at the declared length: one array of that size, instead of
                // readNBytes' 8 KiB chunks and copy on every trigger call. A shorter body fails as JSON.
                body = new byte[(int) declared];
                int read = in.readNBytes(body, 0, body.length);
                body = read == body.length ? body : Arrays.copyOf(body, read);
            } else {
                body = in.readNBytes(maxBodyBytes + 1); // chunked: read one byte past the bound to see it passed
            }
        }
        if (body.length > maxBodyBytes) {
            throw new Refusal(ErrorCode.TOO_LARGE, "request body over " + maxBodyBytes + " bytes");
        }
        if (body.length == 0 && emptyIsObject) {
            return Optional.of(Json.MAPPER.createObjectNode());
        }
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json == null || json.isMissingNode()) {
                throw new IllegalArgumentException("empty body");
            }
            return Optional.of(json);
        } catch (JacksonException | IllegalArgumentException e) {
            ApiResponses.error(response, 400, "bad_request", "the body must be JSON: "
                    + (e instanceof JacksonException j ? j.getOriginalMessage() : e.getMessage()));
            return Optional.empty();
        }
    }
}
