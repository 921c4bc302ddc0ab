package io.switchboard.protocol;

import java.util.Locale;

/** The {@code code} of an {@code error} frame (and of an HTTP API error body). */
public enum ErrorCode {
    BAD_REQUEST, UNKNOWN_OP, FORBIDDEN, NOT_FOUND, TOO_LARGE, RATE_LIMITED, UNAVAILABLE, UNAUTHORIZED,
    /** The application's code failed unexpectedly; the message holds no internals. */
    INTERNAL;

    /** The name on the wire: {@code bad_request}, {@code unknown_op}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
