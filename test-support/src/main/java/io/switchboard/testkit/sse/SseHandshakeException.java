package io.switchboard.testkit.sse;

import java.io.IOException;

/** The server answered the stream's {@code GET} with something other than 200 (e.g. 401, 403). */
public final class SseHandshakeException extends IOException {

    private final int status;
    private final String body;

    public SseHandshakeException(String uri, int status, String body) {
        super("GET " + uri + " answered " + status + ": " + body);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    public String body() {
        return body;
    }
}
