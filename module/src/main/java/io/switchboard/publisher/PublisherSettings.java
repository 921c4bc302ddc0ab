package io.switchboard.publisher;

import io.switchboard.internal.bus.RedisClients;
import io.switchboard.internal.bus.RedisPublishingBus;
import io.switchboard.internal.config.ConfigException;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import org.redisson.config.Config;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * What a standalone publisher is configured with, read by the module's own rules
 * ({@link SwitchboardConfig#load}: the same keys, defaults and checks as a node), so that its
 * namespace, history and size limits default to what a node's do.
 *
 * <p>Only the keys a publisher uses are read: a process whose environment also holds settings of
 * a node (an API token, origins) is not refused for them.
 */
final class PublisherSettings {
    static final List<String> KEYS = List.of(SwitchboardConfig.REDIS, SwitchboardConfig.REDISSON_CONFIG,
            SwitchboardConfig.NAMESPACE, SwitchboardConfig.NODE_ID, SwitchboardConfig.MAX_DATA,
            SwitchboardConfig.MAX_BATCH, SwitchboardConfig.HISTORY_SIZE, SwitchboardConfig.HISTORY_BYTES,
            SwitchboardConfig.HISTORY_TTL);

    private final SwitchboardConfig config;

    private PublisherSettings(SwitchboardConfig config) {
        this.config = config;
    }

    /**
     * @throws IllegalArgumentException on an invalid setting, or when neither
     *                                  {@code switchboard.redis} nor {@code switchboard.redisson-config} is set
     */
    static PublisherSettings read(ConfigSource source) {
        ConfigSource publisherKeys = new ConfigSource(key -> KEYS.contains(key) ? source.get(key).orElse(null) : null,
                key -> null, Map.of());
        // A node's default id is host-pid; a publisher's says what it is, so its events are told apart.
        ConfigSource withNodeId = new ConfigSource(key -> SwitchboardConfig.NODE_ID.equals(key)
                ? publisherKeys.get(key).orElseGet(PublisherSettings::defaultNodeId)
                : publisherKeys.get(key).orElse(null), key -> null, Map.of());
        SwitchboardConfig config;
        try {
            config = SwitchboardConfig.load(withNodeId);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (config.redisUrl().isEmpty() && config.redissonConfigFile().isEmpty()) {
            throw new IllegalArgumentException("no Redis configured: set " + SwitchboardConfig.REDIS + " (a redis:// URL) or "
                    + SwitchboardConfig.REDISSON_CONFIG + " (a Redisson YAML file), as the cluster's nodes do");
        }
        return new PublisherSettings(config);
    }

    String nodeId() {
        return config.nodeId();
    }

    int maxDataBytes() {
        return config.maxDataBytes();
    }

    int maxBatch() {
        return config.maxBatch();
    }

    /**
     * A bus on the configured Redis (the YAML file wins over the URL, as in the module). Redisson
     * connects lazily: an unreachable Redis fails the publishes, not this call.
     *
     * @throws IllegalArgumentException on a URL or file that cannot be used
     */
    RedisPublishingBus openBus() {
        Config redis;
        try {
            redis = config.redissonConfigFile().map(RedisClients::yamlConfig)
                    .orElseGet(() -> RedisClients.publishingConfig(config.redisUrl().orElseThrow(), "switchboard:" + config.nodeId()));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return new RedisPublishingBus(redis, config.namespace(), config.historySize(), config.historyBytes(),
                config.historyTtl());
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String pid = "-" + ManagementFactory.getRuntimeMXBean().getPid();
        String safeHost = host.replaceAll("[^A-Za-z0-9_.:-]", "-");
        int room = 64 - "publisher-".length() - pid.length(); // node ids are at most 64 characters
        return "publisher-" + (safeHost.length() <= room ? safeHost : safeHost.substring(0, room)) + pid;
    }
}
