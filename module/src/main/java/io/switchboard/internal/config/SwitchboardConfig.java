package io.switchboard.internal.config;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every setting of one Switchboard instance, read once at startup and immutable afterwards.
 * The keys are documented in the README's configuration table; {@link #load} is the only place
 * that knows their names and defaults.
 */
public record SwitchboardConfig(
        boolean enabled,
        Optional<String> redisUrl,
        Optional<String> redissonConfigFile,
        String namespace,
        String prefix,
        Optional<String> apiToken,
        Optional<String> tokenSecret,
        List<String> allowedOrigins,
        List<String> publicHosts,
        ChannelPatterns clientPublish,
        String nodeId,
        Duration heartbeat,
        int maxFrameBytes,
        int maxDataBytes,
        int maxBodyBytes,
        int maxSubscriptions,
        int maxBatch,
        int sendQueueFrames,
        int publishRatePerSecond,
        int historySize,
        int historyBytes,
        Duration historyTtl,
        int sendQueueBytes,
        int subscribeRatePerSecond,
        int replayBudgetBytes,
        Duration handlerTimeout,
        int sendRatePerSecond,
        boolean jmxMetrics,
        Optional<String> metricsToken,
        Duration writeDelay) {

    public static final String ENABLED = "switchboard.enabled";
    public static final String REDIS = "switchboard.redis";
    public static final String REDISSON_CONFIG = "switchboard.redisson-config";
    public static final String NAMESPACE = "switchboard.namespace";
    public static final String PREFIX = "switchboard.prefix";
    public static final String API_TOKEN = "switchboard.api-token";
    public static final String TOKEN_SECRET = "switchboard.token-secret";
    public static final String ALLOWED_ORIGINS = "switchboard.allowed-origins";
    public static final String PUBLIC_HOSTS = "switchboard.public-hosts";
    public static final String CLIENT_PUBLISH = "switchboard.client-publish";
    public static final String NODE_ID = "switchboard.node-id";
    public static final String HEARTBEAT = "switchboard.heartbeat";
    public static final String MAX_FRAME = "switchboard.max-frame";
    public static final String MAX_DATA = "switchboard.max-data";
    public static final String MAX_BODY = "switchboard.max-body";
    public static final String MAX_SUBSCRIPTIONS = "switchboard.max-subscriptions";
    public static final String MAX_BATCH = "switchboard.max-batch";
    public static final String SEND_QUEUE = "switchboard.send-queue";
    public static final String PUBLISH_RATE = "switchboard.publish-rate";
    public static final String HISTORY_SIZE = "switchboard.history-size";
    public static final String HISTORY_BYTES = "switchboard.history-bytes";
    public static final String HISTORY_TTL = "switchboard.history-ttl";
    public static final String SEND_QUEUE_BYTES = "switchboard.send-queue-bytes";
    public static final String SUBSCRIBE_RATE = "switchboard.subscribe-rate";
    public static final String REPLAY_BUDGET = "switchboard.replay-budget";
    public static final String HANDLER_TIMEOUT = "switchboard.handler-timeout";
    public static final String SEND_RATE = "switchboard.send-rate";
    public static final String METRICS = "switchboard.metrics";
    public static final String METRICS_TOKEN = "switchboard.metrics-token";
    public static final String WRITE_DELAY = "switchboard.write-delay";
    /**
     * The longest write delay (ms): the welcome frame waits for it too, and a client gives up on a
     * connection whose welcome does not come within seconds.
     */
    static final int MAX_WRITE_DELAY_MS = 1000;

    /** The shortest API token or token secret accepted, in UTF-8 bytes (a guessable secret is no secret). */
    public static final int MIN_SECRET_BYTES = 32;

    public static SwitchboardConfig load(ConfigSource source) {
        return new SwitchboardConfig(
                source.get(ENABLED).map(v -> parseBoolean(ENABLED, v)).orElse(true),
                source.get(REDIS),
                source.get(REDISSON_CONFIG),
                source.get(NAMESPACE).map(v -> checked(NAMESPACE, v, v.matches("[A-Za-z0-9_.:-]{1,64}"))).orElse("switchboard"),
                source.get(PREFIX).map(SwitchboardConfig::normalizePrefix).orElse("/switchboard"),
                source.get(API_TOKEN).map(v -> secret(API_TOKEN, v)),
                source.get(TOKEN_SECRET).map(v -> secret(TOKEN_SECRET, v)),
                source.get(ALLOWED_ORIGINS).map(SwitchboardConfig::list).orElse(List.of()),
                source.get(PUBLIC_HOSTS).map(SwitchboardConfig::list).orElse(List.of()),
                ChannelPatterns.parse(source.get(CLIENT_PUBLISH).orElse("")),
                nodeId(source.get(NODE_ID).orElseGet(SwitchboardConfig::defaultNodeId)),
                Duration.ofMillis(integer(source, HEARTBEAT, 25_000, 100)),
                integer(source, MAX_FRAME, 64 * 1024, 1024),
                integer(source, MAX_DATA, 64 * 1024, 16),
                integer(source, MAX_BODY, 1024 * 1024, 1024),
                integer(source, MAX_SUBSCRIPTIONS, 100, 1),
                integer(source, MAX_BATCH, 100, 1),
                integer(source, SEND_QUEUE, 1024, 1),
                integer(source, PUBLISH_RATE, 20, 1),
                integer(source, HISTORY_SIZE, 1000, 0),
                integer(source, HISTORY_BYTES, 1024 * 1024, 1024),
                Duration.ofSeconds(integer(source, HISTORY_TTL, 86_400, 1)),
                integer(source, SEND_QUEUE_BYTES, 1024 * 1024, 1024),
                integer(source, SUBSCRIBE_RATE, 20, 1),
                integer(source, REPLAY_BUDGET, 16 * 1024 * 1024, 1024),
                Duration.ofMillis(integer(source, HANDLER_TIMEOUT, 10_000, 1)),
                integer(source, SEND_RATE, 20, 1),
                source.get(METRICS).map(SwitchboardConfig::jmx).orElse(false),
                source.get(METRICS_TOKEN).map(v -> secret(METRICS_TOKEN, v)),
                Duration.ofMillis(integer(source, WRITE_DELAY, 0, 0, MAX_WRITE_DELAY_MS)));
    }

    /** {@code prometheus} (the default: {@code /api/metrics} only) or {@code jmx} (also exported through JMX). */
    private static boolean jmx(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "prometheus" -> false;
            case "jmx" -> true;
            default -> throw new ConfigException(METRICS + " must be prometheus or jmx, was '" + value + "'");
        };
    }

    /**
     * The secret that signs client tokens. Never the API token: whoever holds a token secret can
     * mint identities, and a leaked client-token key must not also open the publishing API.
     */
    public Optional<String> clientTokenSecret() {
        return tokenSecret;
    }

    /** A description of the configuration that is safe to log: no secret, no password. */
    public String describe() {
        return "node=" + nodeId + ", prefix=" + prefix + ", namespace=" + namespace
                + ", bus=" + (redisUrl.isPresent() || redissonConfigFile.isPresent() ? "redis" : "in-process")
                + ", apiToken=" + (apiToken.isPresent() ? "set" : "not set (publishing API refused)")
                + ", clientTokens=" + (tokenSecret.isPresent() ? "enabled" : "disabled (no token secret)")
                + ", allowedOrigins=" + (allowedOrigins.isEmpty() ? "same host" : allowedOrigins)
                + ", publicHosts=" + (publicHosts.isEmpty() ? "none (loopback only)" : publicHosts)
                + ", clientPublish=" + clientPublish + ", heartbeat=" + heartbeat.toMillis() + "ms"
                + ", writeDelay=" + writeDelay.toMillis() + "ms"
                + ", metrics=" + (jmxMetrics ? "prometheus+jmx" : "prometheus")
                + ", metricsToken=" + (metricsToken.isPresent() ? "set" : "not set (the API token reads them)");
    }

    /** Refuses a secret too short to resist guessing; the message names its length, never its value. */
    private static String secret(String key, String value) {
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes < MIN_SECRET_BYTES) {
            throw new ConfigException(key + " must be at least " + MIN_SECRET_BYTES + " bytes (a random string, e.g. "
                    + "openssl rand -base64 32), was " + bytes + " bytes");
        }
        return value;
    }

    private static String normalizePrefix(String value) {
        String prefix = value.startsWith("/") ? value : "/" + value;
        while (prefix.endsWith("/") && prefix.length() > 1) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return checked(PREFIX, prefix, prefix.length() > 1 && prefix.matches("(/[A-Za-z0-9_.-]+)+"));
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int integer(ConfigSource source, String key, int defaultValue, int min) {
        return source.get(key).map(parse(key, min)).orElse(defaultValue);
    }

    private static int integer(ConfigSource source, String key, int defaultValue, int min, int max) {
        int value = integer(source, key, defaultValue, min);
        if (value > max) {
            throw new ConfigException(key + " must be at most " + max + ", was " + value);
        }
        return value;
    }

    private static Function<String, Integer> parse(String key, int min) {
        return value -> {
            try {
                int parsed = Integer.parseInt(value);
                if (parsed >= min) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new ConfigException(key + " must be an integer >= " + min + ", was '" + value + "'");
        };
    }

    private static boolean parseBoolean(String key, String value) {
        return switch (value.toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(key + " must be true or false, was '" + value + "'");
        };
    }

    /**
     * Node ids name Redis channels and open every session id of the node (see SessionIds): 1 to 64
     * of {@code A-Z a-z 0-9 _ . : -}, as host names are.
     */
    private static String nodeId(String value) {
        return checked(NODE_ID, value, value.matches("[A-Za-z0-9_.:-]{1,64}"));
    }

    private static String checked(String key, String value, boolean valid) {
        if (!valid) {
            throw new ConfigException("invalid " + key + ": '" + value + "'");
        }
        return value;
    }

    private static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "node";
        }
        String id = host.replaceAll("[^A-Za-z0-9_.:-]", "-") + "-" + ManagementFactory.getRuntimeMXBean().getPid();
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }
}
