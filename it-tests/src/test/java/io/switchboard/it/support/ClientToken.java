package io.switchboard.it.support;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;

/**
 * Client tokens computed here independently of the module, from the format the protocol fixes:
 * {@code b64url(userId) "." expiryEpochSeconds "." b64url(HMAC-SHA256(secret, userId "." expiry))},
 * URL-safe base64 without padding. A server that accepts these speaks the documented format.
 */
public final class ClientToken {

    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private ClientToken() {
    }

    /** A token for {@code user}, valid until {@code expiry}, signed with {@code secret}. */
    public static String mint(String secret, String user, Instant expiry) {
        long expirySeconds = expiry.getEpochSecond();
        String signed = user + "." + expirySeconds;
        return b64(user.getBytes(StandardCharsets.UTF_8)) + "." + expirySeconds + "." + b64(hmacSha256(secret, signed));
    }

    /** A token for {@code user} valid for the next hour. */
    public static String mint(String secret, String user) {
        return mint(secret, user, Instant.now().plusSeconds(3600));
    }

    private static byte[] hmacSha256(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static String b64(byte[] bytes) {
        return B64URL.encodeToString(bytes);
    }
}
