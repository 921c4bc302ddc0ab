package io.switchboard.internal.bus;

import io.switchboard.internal.config.ConfigException;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.SingleServerConfig;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Builds the Redisson client from a {@code redis://} URL or a Redisson YAML file. */
public final class RedisClients {

    private RedisClients() {
    }

    public static RedissonClient fromUrl(String url, String clientName) {
        return create(urlConfig(url, clientName, 1));
    }

    /**
     * The settings of {@link #fromUrl(String, String)} for a process that never subscribes (a
     * standalone publisher): no connection is kept open for pub/sub. See {@link #create}.
     */
    public static Config publishingConfig(String url, String clientName) {
        return urlConfig(url, clientName, 0);
    }

    private static Config urlConfig(String url, String clientName, int idleSubscriptionConnections) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("switchboard.redis is not a valid URL");
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new ConfigException("switchboard.redis must look like redis://[user:password@]host:port[/db]"
                    + " or rediss://...; the scheme or host is missing");
        }
        Config config = new Config();
        SingleServerConfig server = config.useSingleServer()
                .setAddress(uri.getScheme() + "://" + uri.getHost() + ":" + (uri.getPort() == -1 ? 6379 : uri.getPort()))
                .setClientName(clientName)
                // A few warm connections are plenty for one node; Redisson's default of 24 costs ~1 s at start.
                .setConnectionMinimumIdleSize(2)
                .setConnectionPoolSize(16)
                .setSubscriptionConnectionMinimumIdleSize(idleSubscriptionConnections)
                // Redisson's default of 5 channels per connection (and 50 connections) caps a node
                // at 250 subscribed channels; a node serving per-user or per-room channels needs
                // thousands, and Redis handles many channels per connection well.
                .setSubscriptionsPerConnection(500)
                // Reconnect within a second of Redis coming back (Redisson's default backs off up to
                // 10 s): every second away is a longer gap to repair from history.
                .setReconnectionDelay(new EqualJitterDelay(Duration.ofMillis(100), Duration.ofSeconds(1)))
                .setRetryAttempts(3)
                .setRetryInterval(1000)
                .setTimeout(3000);
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? "" : decode(userInfo.substring(0, colon));
            String password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
            if (!user.isEmpty()) {
                server.setUsername(user);
            }
            if (!password.isEmpty()) {
                server.setPassword(password);
            }
        }
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                server.setDatabase(Integer.parseInt(path.substring(1)));
            } catch (NumberFormatException e) {
                throw new ConfigException("switchboard.redis: the path must be a database number, was '" + path + "'");
            }
        }
        return config;
    }

    public static RedissonClient fromYaml(String path) {
        return create(yamlConfig(path));
    }

    /** The settings of a Redisson YAML file. See {@link #create}. */
    public static Config yamlConfig(String path) {
        try {
            return Config.fromYAML(new File(path));
        } catch (IOException e) {
            throw new ConfigException("switchboard.redisson-config: cannot read '" + path + "': " + e.getMessage());
        }
    }

    /** A client with {@code config} and the settings every Switchboard client has (string codec, lazy connect...). */
    public static RedissonClient create(Config config) {
        config.setCodec(StringCodec.INSTANCE);
        // The web application must start even while Redis is down; the bus reports itself unhealthy.
        config.setLazyInitialization(true);
        config.setUseScriptCache(true);
        // Listener calls of one pub/sub channel in arrival order (the default, stated because the
        // per-topic dispatcher relies on it to avoid needless history reads).
        config.setKeepPubSubOrder(true);
        // Pub/sub messages are dispatched on the network thread that read them, unless the caller
        // chose an executor: a hand-off to a listener thread per message costs more than the dispatch.
        if (config.getExecutor() == null) {
            config.setExecutor(new InlineExecutor());
        }
        config.setThreads(4);
        config.setNettyThreads(4);
        return Redisson.create(config);
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }
}
