package io.switchboard.internal.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwitchboardConfigTest {
    private static final String LONG_SECRET = "0123456789abcdef0123456789abcdef";

    private static SwitchboardConfig load(Map<String, String> context, Map<String, String> system, Map<String, String> env) {
        return SwitchboardConfig.load(new ConfigSource(context::get, system::get, env));
    }

    @Test
    void contextParametersWinOverSystemPropertiesWhichWinOverEnvironment() {
        SwitchboardConfig config = load(Map.of("switchboard.namespace", "ctx"),
                Map.of("switchboard.namespace", "sys", "switchboard.prefix", "/sys"),
                Map.of("SWITCHBOARD_NAMESPACE", "env", "SWITCHBOARD_PREFIX", "/env", "SWITCHBOARD_API_TOKEN", LONG_SECRET));
        assertThat(config.namespace()).isEqualTo("ctx");
        assertThat(config.prefix()).isEqualTo("/sys");
        assertThat(config.apiToken()).contains(LONG_SECRET);
    }

    @Test
    void defaultsMatchTheDocumentedLimits() {
        SwitchboardConfig config = load(Map.of(), Map.of(), Map.of());
        assertThat(config.prefix()).isEqualTo("/switchboard");
        assertThat(config.maxFrameBytes()).isEqualTo(65536);
        assertThat(config.maxBodyBytes()).isEqualTo(1048576);
        assertThat(config.maxSubscriptions()).isEqualTo(100);
        assertThat(config.maxBatch()).isEqualTo(100);
        assertThat(config.sendQueueBytes()).isEqualTo(1048576);
        assertThat(config.subscribeRatePerSecond()).isEqualTo(20);
        assertThat(config.replayBudgetBytes()).isEqualTo(16777216);
        assertThat(config.redisUrl()).isEmpty();
        assertThat(config.apiToken()).isEmpty();
    }

    @Test
    void clientMessagesHaveATenSecondHandlerTimeoutAndThePublishRateByDefaultAndBothCanBeSet() {
        SwitchboardConfig defaults = load(Map.of(), Map.of(), Map.of());
        assertThat(defaults.handlerTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(defaults.sendRatePerSecond()).isEqualTo(defaults.publishRatePerSecond()).isEqualTo(20);

        SwitchboardConfig set = load(Map.of(), Map.of("switchboard.handler-timeout", "250"),
                Map.of("SWITCHBOARD_SEND_RATE", "5"));
        assertThat(set.handlerTimeout()).isEqualTo(java.time.Duration.ofMillis(250));
        assertThat(set.sendRatePerSecond()).isEqualTo(5);

        for (String key : new String[] {"switchboard.handler-timeout", "switchboard.send-rate"}) {
            for (String bad : new String[] {"0", "-1", "10s"}) {
                assertThatThrownBy(() -> load(Map.of(key, bad), Map.of(), Map.of()))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(key).hasMessageContaining("'" + bad + "'");
            }
        }
    }

    @Test
    void aBadValueIsRefusedNamingTheKeyAndValue() {
        assertThatThrownBy(() -> load(Map.of("switchboard.heartbeat", "soon"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("switchboard.heartbeat").hasMessageContaining("soon");
    }

    @Test
    void theDescriptionNeverContainsSecrets() {
        SwitchboardConfig config = load(Map.of("switchboard.api-token", "s3cret-token-that-is-long-enough-32",
                "switchboard.token-secret", "another-s3cret-that-is-long-enough-32",
                "switchboard.redis", "redis://:hunter2@localhost:6379"), Map.of(), Map.of());
        assertThat(config.describe()).doesNotContain("s3cret-token").doesNotContain("another-s3cret").doesNotContain("hunter2");
    }

    @Test
    void channelPatternsMatchWithStars() {
        ChannelPatterns patterns = ChannelPatterns.parse("chat.*, room:*:public");
        assertThat(patterns.matches("chat.lobby")).isTrue();
        assertThat(patterns.matches("room:7:public")).isTrue();
        assertThat(patterns.matches("news")).isFalse();
        assertThat(patterns.matches("chatXlobby")).isFalse();
    }

    @Test
    void secretsShorterThan32BytesAreRefusedWithoutShowingThem() {
        for (String key : new String[] {"switchboard.api-token", "switchboard.token-secret", "switchboard.metrics-token"}) {
            assertThatThrownBy(() -> load(Map.of(key, "short-but-not-32-bytes"), Map.of(), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key).hasMessageContaining("at least 32 bytes").hasMessageContaining("22 bytes")
                    .hasMessageNotContaining("short-but-not-32-bytes");
        }
        SwitchboardConfig exactly32 = load(Map.of("switchboard.token-secret", LONG_SECRET), Map.of(), Map.of());
        assertThat(exactly32.clientTokenSecret()).contains(LONG_SECRET);
    }

    @Test
    void theApiTokenIsNeverTheClientTokenSecret() {
        SwitchboardConfig config = load(Map.of("switchboard.api-token", LONG_SECRET), Map.of(), Map.of());
        assertThat(config.clientTokenSecret()).isEmpty();
    }

    @Test
    void publicHostsAreACommaSeparatedList() {
        SwitchboardConfig config = load(Map.of(), Map.of(), Map.of("SWITCHBOARD_PUBLIC_HOSTS", "app.example.com, app.example.com:8443"));
        assertThat(config.publicHosts()).containsExactly("app.example.com", "app.example.com:8443");
        assertThat(load(Map.of(), Map.of(), Map.of()).publicHosts()).isEmpty();
    }

    @Test
    void metricsArePrometheusOnlyByDefaultJmxWhenAskedAndNothingElse() {
        assertThat(load(Map.of(), Map.of(), Map.of()).jmxMetrics()).isFalse();
        assertThat(load(Map.of("switchboard.metrics", "prometheus"), Map.of(), Map.of()).jmxMetrics()).isFalse();
        assertThat(load(Map.of(), Map.of(), Map.of("SWITCHBOARD_METRICS", "JMX")).jmxMetrics()).isTrue();
        assertThatThrownBy(() -> load(Map.of("switchboard.metrics", "graphite"), Map.of(), Map.of()))
                .hasMessageContaining("switchboard.metrics").hasMessageContaining("graphite");
    }

    @Test
    void theMetricsTokenIsASecretOfItsOwnThatTheDescriptionOnlyMentions() {
        String metricsToken = "metrics-token-0123456789abcdef0123";
        SwitchboardConfig config = load(Map.of("switchboard.metrics-token", metricsToken), Map.of(), Map.of());
        assertThat(config.metricsToken()).contains(metricsToken);
        assertThat(config.apiToken()).isEmpty();
        assertThat(config.describe()).contains("metricsToken=set").doesNotContain(metricsToken);
    }

    @Test
    void theWriteDelayIsZeroUnlessSetNeverNegativeAndAtMostASecond() {
        assertThat(load(Map.of(), Map.of(), Map.of()).writeDelay()).isZero();
        assertThat(load(Map.of(), Map.of(), Map.of("SWITCHBOARD_WRITE_DELAY", "5")).writeDelay())
                .isEqualTo(java.time.Duration.ofMillis(5));
        assertThatThrownBy(() -> load(Map.of("switchboard.write-delay", "-1"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("switchboard.write-delay");
        assertThat(load(Map.of("switchboard.write-delay", "1000"), Map.of(), Map.of()).writeDelay())
                .isEqualTo(java.time.Duration.ofSeconds(1));
        // The welcome frame waits for the delay too: a longer one would make clients give up on connecting.
        assertThatThrownBy(() -> load(Map.of("switchboard.write-delay", "1001"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at most 1000");
    }
}
