package io.switchboard.internal.node;

import io.switchboard.api.Switchboard;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.security.ClientTokens;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java API door: what application code gets for what it passes. */
class JavaApiTest {
    private static final String SECRET = "java-api-test-secret-of-32-bytes-or-more";
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-30T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void aMintedClientTokenIsAcceptedForItsUserUntilItsLifetimeEnds() {
        SwitchboardNode node = node(Map.of(SwitchboardConfig.TOKEN_SECRET, SECRET));
        try {
            String token = node.api().clientToken("alice", Duration.ofMinutes(15));
            ClientTokens.Claims claims = new ClientTokens(SECRET, clock).claims(token).orElseThrow();
            assertThat(claims.user()).isEqualTo("alice");
            assertThat(claims.expiryEpochSeconds()).isEqualTo(clock.instant().plus(Duration.ofMinutes(15)).getEpochSecond());
            assertThatThrownBy(() -> node.api().clientToken("", Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> node.api().clientToken("bob", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        } finally {
            node.stop();
        }
    }

    @Test
    void withoutATokenSecretNoTokenIsMinted() {
        SwitchboardNode node = node(Map.of());
        try {
            assertThatThrownBy(() -> node.api().clientToken("alice", Duration.ofMinutes(15)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("switchboard.token-secret");
        } finally {
            node.stop();
        }
    }

    @Test
    void badNamesAndOversizedDataAreIllegalArgumentsAndPublishNothing() {
        SwitchboardNode node = node(Map.of(SwitchboardConfig.MAX_DATA, "64"));
        try {
            Switchboard api = node.api();
            assertThatThrownBy(() -> api.publish("no spaces", "e", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid channel name");
            assertThatThrownBy(() -> api.publish("@reserved", "e", 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> api.publish("news", "", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid event name");
            assertThatThrownBy(() -> api.publish("news", "e", "x".repeat(100))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("over 64 bytes");
            assertThatThrownBy(() -> api.toUser("")).isInstanceOf(IllegalArgumentException.class);
            assertThat(node.figures().get("published")).isEqualTo(0L);
        } finally {
            node.stop();
        }
    }

    private SwitchboardNode node(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(SwitchboardConfig.NODE_ID, "unit");
        SwitchboardConfig config = SwitchboardConfig.load(new ConfigSource(all::get, key -> null, Map.of()));
        SwitchboardNode node = new SwitchboardNode(config, new LocalBus(10, Duration.ofMinutes(1)), clock);
        node.start();
        return node;
    }
}
