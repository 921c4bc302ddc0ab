package io.switchboard.api;

import java.util.Set;

/**
 * A {@link MessageHandler}'s refusal that the client sees as an {@code error} frame with
 * {@link #code()} and this message (so it must hold nothing the client may not know).
 */
public class MessageRefused extends RuntimeException {
    /** The protocol's error codes a handler may answer with. */
    public static final Set<String> CODES = Set.of("bad_request", "forbidden", "not_found", "too_large",
            "rate_limited", "unavailable", "unauthorized");

    private final String code;

    /**
     * @param code one of {@link #CODES}
     * @throws IllegalArgumentException for any other code
     */
    public MessageRefused(String code, String message) {
        super(message, null, false, false);
        if (!CODES.contains(code)) {
            throw new IllegalArgumentException("not an error code a handler may answer with: " + code
                    + " (one of " + CODES + ")");
        }
        this.code = code;
    }

    public String code() {
        return code;
    }
}
