package io.switchboard.testkit.redis;

/** What the Redisson YAML files of the tests share. */
public final class RedissonYaml {

    /**
     * Settings under a servers section (indented two spaces): reads and subscriptions go to masters (Redisson's
     * default reads from replicas, which may lag behind what was acknowledged), few idle connections, short timeouts.
     */
    public static final String MASTER_ONLY = "  scanInterval: 1000\n"
            + "  readMode: \"MASTER\"\n"
            + "  subscriptionMode: \"MASTER\"\n"
            + "  masterConnectionMinimumIdleSize: 2\n"
            + "  slaveConnectionMinimumIdleSize: 1\n"
            + "  subscriptionConnectionMinimumIdleSize: 1\n"
            + "  subscriptionsPerConnection: 500\n"
            + "  retryAttempts: 3\n"
            + "  timeout: 3000\n";

    private RedissonYaml() {
    }
}
