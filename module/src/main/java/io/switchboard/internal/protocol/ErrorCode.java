package io.switchboard.internal.protocol;

import java.util.Locale;

/** The {@code code} of an {@code error} frame (and of an HTTP API error body). */
public enum ErrorCode {
    BAD_REQUEST(400), UNKNOWN_OP(400), FORBIDDEN(403), NOT_FOUND(404), TOO_LARGE(413), RATE_LIMITED(429),
    UNAVAILABLE(503), UNAUTHORIZED(401),
    /** The application's code failed unexpectedly; the message holds no internals. */
    INTERNAL(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status the API answers this refusal with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The name on the wire: {@code bad_request}, {@code unknown_op}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
