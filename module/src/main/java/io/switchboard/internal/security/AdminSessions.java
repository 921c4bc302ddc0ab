package io.switchboard.internal.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.OptionalLong;

/**
 * The sessions of the admin page: whoever proved they hold the API token (the login form) gets a
 * signed value for a cookie, {@code expiry "." b64url(nonce) "." b64url(HMAC-SHA256(key, expiry "." nonce))},
 * that any node of the cluster accepts until it expires: the key is derived from the API token,
 * which every node shares, so nothing is stored and a page may reach any node. Changing the API
 * token ends every session.
 *
 * <p>The key is not the API token itself but {@code HMAC-SHA256(apiToken, "switchboard admin session")}:
 * a session value proves a login happened, never reveals anything that opens the HTTP API.
 */
public final class AdminSessions {
    /** How long a login lasts. */
    public static final Duration LIFETIME = Duration.ofHours(8);
    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] PURPOSE = "switchboard admin session".getBytes(StandardCharsets.UTF_8);
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAX_VALUE_LENGTH = 200;

    private final SecretKeySpec key;
    private final ApiTokenCheck apiToken;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public AdminSessions(String apiToken, Clock clock) {
        this.key = new SecretKeySpec(hmac(new SecretKeySpec(apiToken.getBytes(StandardCharsets.UTF_8), ALGORITHM), PURPOSE),
                ALGORITHM);
        this.apiToken = new ApiTokenCheck(java.util.Optional.of(apiToken));
        this.clock = clock;
    }

    /** Whether {@code token}, as typed into the login form, is the API token (compared in constant time). */
    public boolean isApiToken(String token) {
        return token != null && apiToken.check("Bearer " + token) == ApiTokenCheck.Verdict.ACCEPTED;
    }

    /** A new session's value, valid for {@link #LIFETIME}. */
    public String open() {
        long expiry = clock.instant().plus(LIFETIME).getEpochSecond();
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        String signed = expiry + "." + ENCODER.encodeToString(nonce);
        return signed + "." + ENCODER.encodeToString(hmac(key, signed.getBytes(StandardCharsets.UTF_8)));
    }

    /** The expiry (epoch seconds) of a valid, unexpired session value; empty for anything else. */
    public OptionalLong expiry(String value) {
        if (value == null || value.length() > MAX_VALUE_LENGTH) {
            return OptionalLong.empty();
        }
        int last = value.lastIndexOf('.');
        String[] parts = value.split("\\.", -1);
        if (parts.length != 3 || !parts[0].matches("\\d{1,12}")) {
            return OptionalLong.empty();
        }
        try {
            byte[] expected = hmac(key, value.substring(0, last).getBytes(StandardCharsets.UTF_8));
            if (!MessageDigest.isEqual(expected, DECODER.decode(parts[2]))) {
                return OptionalLong.empty();
            }
        } catch (IllegalArgumentException notBase64) {
            return OptionalLong.empty();
        }
        long expiry = Long.parseLong(parts[0]);
        return expiry < clock.instant().getEpochSecond() ? OptionalLong.empty() : OptionalLong.of(expiry);
    }

    private static byte[] hmac(SecretKeySpec key, byte[] message) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
