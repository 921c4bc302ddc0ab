package io.switchboard.it.containers;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A standalone application server started from its own scripts, with the sample WAR deployed and Switchboard
 * configured through environment variables only: what {@link TomcatInstance} and {@link WildFlyInstance} share.
 */
abstract class ContainerInstance implements AutoCloseable {
    private final String name;
    private final Path base;
    private final DeployedSample sample;
    private final ContainerProcess process;

    ContainerInstance(String name, Path base, DeployedSample sample, ContainerProcess process) {
        this.name = name;
        this.base = base;
        this.sample = sample;
        this.process = process;
    }

    /** The server's environment: its own variables, the JDK, and the Switchboard settings a user would set. */
    static Map<String, String> environment(Map<String, String> serverVariables, String nodeId, String redisUrl,
                                           String apiToken) {
        Map<String, String> environment = new HashMap<>(serverVariables);
        environment.put("JAVA_HOME", Distributions.javaHome());
        environment.put("SWITCHBOARD_REDIS", redisUrl);
        environment.put("SWITCHBOARD_API_TOKEN", apiToken);
        environment.put("SWITCHBOARD_TOKEN_SECRET", DeployedSample.tokenSecretFor(apiToken));
        environment.put("SWITCHBOARD_NODE_ID", nodeId);
        return Map.copyOf(environment);
    }

    /** Waits until the sample answers its health check with 200; fails with the log's tail otherwise. */
    void awaitDeployed(Duration timeout) {
        process.awaitUp(name + " serving " + sample.pageUri(), timeout, () -> {
            checkDeployment();
            return sample.healthStatus();
        }, status -> status == 200);
    }

    /** Throws at once if the server reports that the deployment failed; the default knows of no such report. */
    void checkDeployment() {
    }

    Path base() {
        return base;
    }

    DeployedSample sample() {
        return sample;
    }

    /** What the server calls {@link #base()}, for messages. */
    abstract String baseKind();

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return name + " (" + sample + ", " + baseKind() + " " + base + ")";
    }
}
