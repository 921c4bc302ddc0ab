package io.switchboard.internal.security;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Signed client tokens: what verifies, until when, and everything that must not. */
class ClientTokensTest {
    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!";
    private static final long NOW = 1_800_000_000L;
    private static final long EXPIRY = NOW + 600;

    private final ClientTokens tokens = at(NOW);

    private static ClientTokens at(long epochSecond) {
        return new ClientTokens(SECRET, Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    private static String base64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The token's three dot-separated parts: user, expiry, signature. */
    private static String[] parts(String token) {
        String[] parts = token.split("\\.", -1);
        assertThat(parts).hasSize(3);
        return parts;
    }

    @Test
    void aMintedTokenVerifiesToItsUserAndExpiry() {
        String token = tokens.mint("alice", EXPIRY);

        assertThat(tokens.verify(token)).contains("alice");
        assertThat(tokens.claims(token)).contains(new ClientTokens.Claims("alice", EXPIRY));
        assertThat(parts(token)[0]).isEqualTo(base64("alice"));
        assertThat(parts(token)[1]).isEqualTo(Long.toString(EXPIRY));
    }

    @Test
    void userIdsWithDotsAndBeyondAsciiRoundTrip() {
        for (String user : new String[]{"alice.smith@example.com", "j\u00fcrgen", "\u7528\u6237", "a.1.2"}) {
            assertThat(tokens.verify(tokens.mint(user, EXPIRY))).as(user).contains(user);
        }
    }

    @Test
    void aTokenIsValidUpToAndIncludingItsExpirySecond() {
        String token = tokens.mint("alice", EXPIRY);

        assertThat(at(EXPIRY).verify(token)).contains("alice");
        assertThat(at(EXPIRY + 1).verify(token)).isEmpty();
        assertThat(at(EXPIRY).isExpired(EXPIRY)).isFalse();
        assertThat(at(EXPIRY + 1).isExpired(EXPIRY)).isTrue();
    }

    @Test
    void aTokenMintedForALifetimeExpiresThatLongAfterNow() {
        String token = tokens.mint("alice", Duration.ofMinutes(5));

        assertThat(tokens.claims(token)).contains(new ClientTokens.Claims("alice", NOW + 300));
        assertThat(at(NOW + 300).verify(token)).contains("alice");
        assertThat(at(NOW + 301).verify(token)).isEmpty();
    }

    @Test
    void aLifetimeIsCountedFromTheVerifiersClockInWholeSeconds() {
        ClientTokens midSecond = new ClientTokens(SECRET,
                Clock.fixed(Instant.ofEpochSecond(NOW, 700_000_000), ZoneOffset.UTC));

        String token = midSecond.mint("alice", Duration.ofSeconds(10));

        assertThat(midSecond.claims(token)).contains(new ClientTokens.Claims("alice", NOW + 10));
    }

    @Test
    void anExpiredTokenIsRefusedThoughItsSignatureIsGood() {
        String token = tokens.mint("alice", NOW - 1);

        assertThat(tokens.verify(token)).isEmpty();
        assertThat(tokens.claims(token)).isEmpty();
    }

    @Test
    void aTamperedSignatureIsRefused() {
        String[] parts = parts(tokens.mint("alice", EXPIRY));
        char first = parts[2].charAt(0);
        String flipped = (first == 'A' ? 'B' : 'A') + parts[2].substring(1);

        assertThat(tokens.verify(parts[0] + "." + parts[1] + "." + flipped)).isEmpty();
        assertThat(tokens.verify(parts[0] + "." + parts[1] + "." + parts[2].substring(1))).as("shortened").isEmpty();
        assertThat(tokens.verify(parts[0] + "." + parts[1] + ".")).as("no signature").isEmpty();
    }

    @Test
    void anotherUserUnderTheSameSignatureIsRefused() {
        String[] parts = parts(tokens.mint("alice", EXPIRY));

        assertThat(tokens.verify(base64("mallory") + "." + parts[1] + "." + parts[2])).isEmpty();
        assertThat(tokens.verify(base64("alice ") + "." + parts[1] + "." + parts[2])).isEmpty();
    }

    @Test
    void aLaterExpiryUnderTheSameSignatureIsRefused() {
        String[] parts = parts(tokens.mint("alice", EXPIRY));

        assertThat(tokens.verify(parts[0] + "." + (EXPIRY + 86_400) + "." + parts[2])).isEmpty();
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefused() {
        ClientTokens other = new ClientTokens("another-secret-of-thirty-two-bytes-or-more",
                Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

        assertThat(tokens.verify(other.mint("alice", EXPIRY))).isEmpty();
        assertThat(other.verify(tokens.mint("alice", EXPIRY))).isEmpty();
    }

    @Test
    void malformedTokensAreRefused() {
        String[] parts = parts(tokens.mint("alice", EXPIRY));
        String user = parts[0];
        String signature = parts[2];

        assertThat(tokens.verify(null)).isEmpty();
        assertThat(tokens.verify("")).isEmpty();
        assertThat(tokens.verify("..")).isEmpty();
        assertThat(tokens.verify(user + "." + EXPIRY)).as("two parts").isEmpty();
        assertThat(tokens.verify(user + "." + EXPIRY + "." + signature + ".")).as("a dot too many").isEmpty();
        assertThat(tokens.verify(user + "." + EXPIRY + "." + signature + ".x")).as("four parts").isEmpty();
        assertThat(tokens.verify(user + ".soon." + signature)).as("an expiry that is not digits").isEmpty();
        assertThat(tokens.verify(user + ".-1." + signature)).as("a negative expiry").isEmpty();
        assertThat(tokens.verify(user + ".." + signature)).as("no expiry").isEmpty();
        assertThat(tokens.verify(user + ".1234567890123." + signature)).as("an expiry of 13 digits").isEmpty();
        assertThat(tokens.verify("al!ce." + EXPIRY + "." + signature)).as("a user that is not base64url").isEmpty();
        assertThat(tokens.verify(user + "." + EXPIRY + ".s!gnature")).as("a signature that is not base64url").isEmpty();
    }

    @Test
    void aTokenForAnEmptyUserIsRefused() {
        String token = tokens.mint("", EXPIRY);

        assertThat(token).startsWith(".");
        assertThat(tokens.verify(token)).isEmpty();
        assertThat(tokens.claims(token)).isEmpty();
    }

    @Test
    void tokensOverTheLengthLimitAreRefusedEvenIfSigned() {
        String withinLimit = tokens.mint("u".repeat(700), EXPIRY);
        String overLimit = tokens.mint("u".repeat(800), EXPIRY);

        assertThat(withinLimit.length()).isLessThanOrEqualTo(1024);
        assertThat(tokens.verify(withinLimit)).contains("u".repeat(700));
        assertThat(overLimit.length()).isGreaterThan(1024);
        assertThat(tokens.verify(overLimit)).isEmpty();
    }

    @Test
    void aSecretShorterThan32BytesIsRefused() {
        Clock clock = Clock.systemUTC();
        assertThatThrownBy(() -> new ClientTokens("x".repeat(31), clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32");
        assertThat(new ClientTokens("x".repeat(32), clock).verify(null)).isEmpty();
    }

    @Test
    void theSecretIsMeasuredInUtf8Bytes() {
        Clock clock = Clock.systemUTC();
        assertThat(new ClientTokens("\u00e9".repeat(16), clock)).as("16 characters, 32 bytes").isNotNull();
        assertThatThrownBy(() -> new ClientTokens("\u00e9".repeat(15) + "x", clock))
                .as("16 characters, 31 bytes")
                .isInstanceOf(IllegalArgumentException.class);
    }
}
