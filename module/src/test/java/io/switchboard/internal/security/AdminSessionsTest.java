package io.switchboard.internal.security;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Admin page sessions: signed with a key derived from the API token, valid on every node, until they expire. */
class AdminSessionsTest {
    private static final String TOKEN = "test-api-token-of-at-least-32-bytes";
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final AdminSessions sessions = new AdminSessions(TOKEN, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aSessionOpenedOnOneNodeIsValidOnAnotherWithTheSameApiTokenForEightHours() {
        String value = sessions.open();
        AdminSessions otherNode = new AdminSessions(TOKEN, Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC));

        assertThat(otherNode.expiry(value)).hasValue(NOW.plus(AdminSessions.LIFETIME).getEpochSecond());
        assertThat(value).doesNotContain(TOKEN);
        assertThat(new AdminSessions(TOKEN, Clock.fixed(NOW.plus(AdminSessions.LIFETIME).plusSeconds(1), ZoneOffset.UTC))
                .expiry(value)).isEmpty();
    }

    @Test
    void anotherApiTokenAForgedOrAlteredValueOrGarbageIsNoSession() {
        String value = sessions.open();
        String[] parts = value.split("\\.");
        assertThat(new AdminSessions(TOKEN + "-rotated", Clock.fixed(NOW, ZoneOffset.UTC)).expiry(value)).isEmpty();
        assertThat(sessions.expiry((Long.parseLong(parts[0]) + 3600) + "." + parts[1] + "." + parts[2])).isEmpty();
        assertThat(sessions.expiry(parts[0] + "." + parts[1] + ".AAAA")).isEmpty();
        for (String garbage : new String[] {null, "", "x", "1.2", "a.b.c", "1.b.%%%", "9".repeat(300)}) {
            assertThat(sessions.expiry(garbage)).as("%s", garbage).isEmpty();
        }
    }

    @Test
    void onlyTheApiTokenLogsInWithSpaceAroundItIgnoredAsByTheApi() {
        assertThat(sessions.isApiToken(TOKEN)).isTrue();
        assertThat(sessions.isApiToken(" " + TOKEN + " ")).isTrue();
        assertThat(sessions.isApiToken(TOKEN.substring(1))).isFalse();
        assertThat(sessions.isApiToken("")).isFalse();
        assertThat(sessions.isApiToken(null)).isFalse();
    }
}
