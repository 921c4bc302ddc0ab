package io.switchboard.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;

import org.junit.jupiter.api.Test;

class WorkerOptionsTest {

    @Test
    void workerTurnsItsOptionsIntoModuleSystemProperties() {
        WorkerOptions options = WorkerOptions.parse(
                new String[] {"--port", "18081", "--node", "node-2", "--redis", "redis://127.0.0.1:7000", "--api-token", "t",
                        "--token-secret", "s"});
        Properties properties = new Properties();

        options.applyTo(properties);

        assertThat(options.port()).isEqualTo(18081);
        assertThat(properties).containsEntry("switchboard.node-id", "node-2")
                .containsEntry("switchboard.redis", "redis://127.0.0.1:7000")
                .containsEntry("switchboard.api-token", "t")
                .containsEntry("switchboard.token-secret", "s");
        assertThat(options.toString()).doesNotContain("redis://127.0.0.1:7000");
    }

    @Test
    void workerLeavesAbsentSettingsToTheModulesOwnConfiguration() {
        Properties properties = new Properties();

        WorkerOptions.parse(new String[] {"--port", "18081"}).applyTo(properties);

        assertThat(properties).isEmpty();
        assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"--node", "node-1"}))
                .hasMessageContaining("--port is required");
    }

    @Test
    void watchesTheLauncherOnlyWhenAsked() {
        assertThat(WorkerOptions.parse(new String[] {"--port", "1"}).watchedProcess()).isEmpty();
        assertThat(WorkerOptions.parse(new String[] {"--port", "1", "--watch-pid", "42"}).watchedProcess()).hasValue(42);
        assertThatThrownBy(() -> WorkerOptions.parse(new String[] {"--port", "1", "--watch-pid", "me"}))
                .hasMessageContaining("'me'");
    }
}
