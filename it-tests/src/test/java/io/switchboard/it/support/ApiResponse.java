package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;

/** What an HTTP call answered: status and body. */
public record ApiResponse(int status, String body) {

    /** The body as JSON. */
    public JsonNode json() {
        return Json.parse(body);
    }

    @Override
    public String toString() {
        return status + " " + Json.abbreviate(body);
    }
}
