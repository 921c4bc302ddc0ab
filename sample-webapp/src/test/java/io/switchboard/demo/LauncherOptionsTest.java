package io.switchboard.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class LauncherOptionsTest {
    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes";

    private static final Properties NO_PROPERTIES = new Properties();

    @Test
    void defaultsToThreeNodesFrom8080WithEmbeddedRedisAndGeneratedToken() {
        LauncherOptions options = LauncherOptions.parse(new String[0], Map.of(), NO_PROPERTIES);

        assertThat(options.nodes()).isEqualTo(3);
        assertThat(options.port()).isEqualTo(8080);
        assertThat(options.redis()).isEmpty();
        assertThat(options.token()).isEmpty();
        assertThat(options.secret()).isEmpty();
        assertThat(options.help()).isFalse();
    }

    @Test
    void readsOptionsWithSeparateOrInlineValues() {
        LauncherOptions options = LauncherOptions.parse(
                new String[] {"--nodes", "5", "--port=18080", "--redis", "redis://127.0.0.1:7000", "--api-token=" + SECRET},
                Map.of(), NO_PROPERTIES);

        assertThat(options.nodes()).isEqualTo(5);
        assertThat(options.port()).isEqualTo(18080);
        assertThat(options.redis()).contains("redis://127.0.0.1:7000");
        assertThat(options.token()).contains(SECRET);
    }

    @Test
    void optionsWinOverSystemPropertiesWhichWinOverEnvironment() {
        Properties properties = new Properties();
        properties.setProperty("switchboard.redis", "redis://from-property:1");
        Map<String, String> environment = Map.of(
                "SWITCHBOARD_REDIS", "redis://from-env:2", "SWITCHBOARD_API_TOKEN", "env-token-" + SECRET, "SWITCHBOARD_TOKEN_SECRET", "env-secret-" + SECRET);

        LauncherOptions fromSources = LauncherOptions.parse(new String[0], environment, properties);
        LauncherOptions fromOptions = LauncherOptions.parse(
                new String[] {"--redis", "redis://from-option:3", "--api-token", "option-token-" + SECRET,
                        "--token-secret", "option-secret-" + SECRET}, environment, properties);

        assertThat(fromSources.redis()).contains("redis://from-property:1");
        assertThat(fromSources.token()).contains("env-token-" + SECRET);
        assertThat(fromSources.secret()).contains("env-secret-" + SECRET);
        assertThat(fromOptions.redis()).contains("redis://from-option:3");
        assertThat(fromOptions.token()).contains("option-token-" + SECRET);
        assertThat(fromOptions.secret()).contains("option-secret-" + SECRET);
    }

    @Test
    void helpAnswersToBothSpellings() {
        assertThat(LauncherOptions.parse(new String[] {"--help"}, Map.of(), NO_PROPERTIES).help()).isTrue();
        assertThat(LauncherOptions.parse(new String[] {"-h"}, Map.of(), NO_PROPERTIES).help()).isTrue();
    }

    @Test
    void rejectsWhatItCannotRunWithAMessageNamingTheValue() {
        assertThatThrownBy(() -> parse("--nodes", "0")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--nodes").hasMessageContaining("0");
        assertThatThrownBy(() -> parse("--port", "http")).hasMessageContaining("'http'");
        assertThatThrownBy(() -> parse("--port", "65535", "--nodes", "2")).hasMessageContaining("65535");
        assertThatThrownBy(() -> parse("--redis", "localhost:6379")).hasMessageContaining("redis://");
        assertThatThrownBy(() -> parse("--colour", "red")).hasMessageContaining("unknown option --colour");
        assertThatThrownBy(() -> parse("--port")).hasMessageContaining("--port needs a value");
        assertThatThrownBy(() -> parse("--port", "1", "--port", "2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> parse("extra")).hasMessageContaining("'extra'");
    }

    @Test
    void refusesSecretsShorterThan32BytesNamingTheOptionNotTheValue() {
        assertThatThrownBy(() -> parse("--api-token", "t")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--api-token").hasMessageContaining("at least 32 bytes").hasMessageContaining("got 1");
        assertThatThrownBy(() -> parse("--token-secret", "short-secret")).isInstanceOf(UsageException.class)
                .hasMessageContaining("--token-secret").hasMessageNotContaining("short-secret");
        assertThatThrownBy(() -> LauncherOptions.parse(new String[0], Map.of("SWITCHBOARD_TOKEN_SECRET", "short"), NO_PROPERTIES))
                .hasMessageContaining("--token-secret");
    }

    @Test
    void neverPrintsTheTokenOrTheSecret() {
        LauncherOptions options = parse("--api-token", "s3cret-value-" + SECRET, "--token-secret", "other-value-" + SECRET);

        assertThat(options.toString()).doesNotContain("s3cret-value").doesNotContain("other-value");
    }

    private static LauncherOptions parse(String... args) {
        return LauncherOptions.parse(args, Map.of(), NO_PROPERTIES);
    }
}
