package io.switchboard.it.support;

/** What the Redisson YAML files of the failover tests share. */
final class RedissonYaml {

    /**
     * Settings under a servers section (indented two spaces): reads and subscriptions go to masters (Redisson's
     * default reads from replicas, which may lag behind what was acknowledged), few idle connections, short timeouts.
     */
    static final String MASTER_ONLY = "  scanInterval: 1000\n"
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
