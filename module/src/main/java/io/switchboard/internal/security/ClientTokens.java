package io.switchboard.internal.security;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;

/**
 * Signed client tokens: {@code b64url(userId) "." expiry "." b64url(HMAC-SHA256(secret, userId "." expiry))},
 * with {@code expiry} in epoch seconds and base64url without padding. The application's backend
 * mints them ({@link #mint}) for a logged-in user; the browser passes one as {@code ?token=} and,
 * before it expires, a fresh one in a {@code refresh} frame.
 *
 * <p>The secret must be at least {@value #MIN_SECRET_BYTES} bytes: HMAC-SHA256 with a short key
 * can be brute-forced offline from a single token.
 */
public final class ClientTokens {
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final int MAX_TOKEN_LENGTH = 1024;
    /** The shortest secret accepted for signing, in UTF-8 bytes. */
    public static final int MIN_SECRET_BYTES = 32;

    /** What a valid token says: who, and until when (epoch seconds, inclusive). */
    public record Claims(String user, long expiryEpochSeconds) {
    }

    private final SecretKeySpec key;
    private final Clock clock;

    /** @throws IllegalArgumentException if the secret is shorter than {@value #MIN_SECRET_BYTES} bytes */
    public ClientTokens(String secret, Clock clock) {
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the client token secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        this.clock = clock;
    }

    /** A token for {@code userId}, valid until {@code expiryEpochSeconds}. */
    public String mint(String userId, long expiryEpochSeconds) {
        String signed = userId + "." + expiryEpochSeconds;
        return ENCODER.encodeToString(userId.getBytes(StandardCharsets.UTF_8)) + "." + expiryEpochSeconds
                + "." + ENCODER.encodeToString(sign(signed));
    }

    /** A token for {@code userId}, valid for {@code lifetime} from now (by this verifier's clock). */
    public String mint(String userId, java.time.Duration lifetime) {
        return mint(userId, clock.instant().plus(lifetime).getEpochSecond());
    }

    /** The user id of a valid, unexpired token; empty for anything else (malformed, forged, expired). */
    public Optional<String> verify(String token) {
        return claims(token).map(Claims::user);
    }

    /** The claims of a valid, unexpired token; empty for anything else (malformed, forged, expired). */
    public Optional<Claims> claims(String token) {
        if (token == null || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || !parts[1].matches("\\d{1,12}")) {
            return Optional.empty();
        }
        try {
            String userId = new String(DECODER.decode(parts[0]), StandardCharsets.UTF_8);
            long expiry = Long.parseLong(parts[1]);
            byte[] expected = sign(userId + "." + expiry);
            byte[] given = DECODER.decode(parts[2]);
            if (!MessageDigest.isEqual(expected, given) || isExpired(expiry)) {
                return Optional.empty();
            }
            return userId.isEmpty() ? Optional.empty() : Optional.of(new Claims(userId, expiry));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Whether a token valid until {@code expiryEpochSeconds} (inclusive) has expired by now. */
    public boolean isExpired(long expiryEpochSeconds) {
        return expiryEpochSeconds < clock.instant().getEpochSecond();
    }

    private byte[] sign(String value) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
