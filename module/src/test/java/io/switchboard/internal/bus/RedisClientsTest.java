package io.switchboard.internal.bus;

import io.switchboard.internal.config.ConfigException;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both ways of configuring Redis reach a real redis-server; bad URLs are refused clearly. */
class RedisClientsTest {

    @Test
    void aRedissonYamlFileConfiguresTheBus(@TempDir Path dir) throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start("RedisClientsTest-redis")) {
            Path yaml = dir.resolve("redisson.yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                    + "  connectionMinimumIdleSize: 1\n");
            RedisBus bus = new RedisBus(RedisClients.fromYaml(yaml.toString()), "y", 10, Duration.ofMinutes(1));
            try {
                assertThatCode(() -> bus.ping().toCompletableFuture().get(10, TimeUnit.SECONDS)).doesNotThrowAnyException();
            } finally {
                bus.close();
            }
        }
    }

    @Test
    void aUrlWithoutSchemeOrHostIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> RedisClients.fromUrl("localhost:6379", "x"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("redis://");
        assertThatThrownBy(() -> RedisClients.fromUrl("http://:secret@host:1", "x"))
                .isInstanceOf(ConfigException.class)
                .message().doesNotContain("secret");
    }
}
