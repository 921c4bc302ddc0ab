package io.switchboard.internal.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.Json;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** JSON answers of the HTTP API and the handshake guard. */
final class ApiResponses {

    private ApiResponses() {
    }

    static void json(HttpServletResponse response, int status, JsonNode body) throws IOException {
        json(response, status, Json.MAPPER.writeValueAsBytes(body));
    }

    /** {@code json} as encoded already. */
    static void json(HttpServletResponse response, int status, byte[] json) throws IOException {
        headers(response, status);
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }

    /** Status and headers of a JSON answer, but its length. */
    static void headers(HttpServletResponse response, int status) {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
    }

    /** Whether {@code method} is the {@code allowed} one; answers 405 with {@code Allow} if not. */
    static boolean allow(String method, String allowed, HttpServletResponse response) throws IOException {
        if (allowed.equals(method)) {
            return true;
        }
        response.setHeader("Allow", allowed);
        error(response, 405, "bad_request", method + " not allowed here; use " + allowed);
        return false;
    }

    static void error(HttpServletResponse response, int status, String code, String message) throws IOException {
        json(response, status, Json.MAPPER.createObjectNode().put("error", code).put("message", message));
    }
}
