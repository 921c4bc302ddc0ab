package io.switchboard.internal.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** Checks {@code Authorization: Bearer <token>} against the configured API token in constant time. */
public final class ApiTokenCheck {

    /** What a request's credentials amount to. */
    public enum Verdict { ACCEPTED, MISSING_OR_WRONG, NOT_CONFIGURED }

    private final byte[] expected;

    public ApiTokenCheck(Optional<String> token) {
        this.expected = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    public Verdict check(String authorizationHeader) {
        if (expected == null) {
            return Verdict.NOT_CONFIGURED;
        }
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Verdict.MISSING_OR_WRONG;
        }
        byte[] given = authorizationHeader.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        // MessageDigest.isEqual does not return early on the first differing byte.
        return MessageDigest.isEqual(expected, given) ? Verdict.ACCEPTED : Verdict.MISSING_OR_WRONG;
    }
}
