package io.switchboard.it.support;

import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Map;

/**
 * One demo worker that a class of attack scenarios shares, with its private Redis, as a JUnit 5 extension on a
 * static field:
 * <pre>
 * &#64;RegisterExtension
 * static final AttackedWorker worker = AttackedWorker.with(Map.of("switchboard.heartbeat", "5000"));
 * </pre>
 * Before the class's tests: a redis-server ({@code <name>-redis}), one worker on it ({@code <name>-node-1} log)
 * with the given {@code switchboard.*} settings, and a JMX connection to the worker's JVM for its memory readings,
 * the name being the test class's simple name. Before each test: a worker that exited, or does not answer health
 * 200, is replaced by a fresh one (a scenario that broke it has said so in its own row), and the memory readings
 * follow the new JVM. After each test: whatever the test gave to {@link #keep} is closed. After the class: those,
 * the memory connection, the worker, then Redis, whatever happened (also when starting them failed half-way), and
 * the fault report is printed.
 *
 * <p>Configured before the class starts, then used by the test thread only.
 */
public final class AttackedWorker implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {

    private final Map<String, String> settings;
    private final Resources perTest = new Resources();
    private RedisServerProcess redis;
    private Cluster cluster;
    private JvmMemory memory;

    private AttackedWorker(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    /** A worker started with {@code settings} as extra system properties ({@code switchboard.*}). */
    public static AttackedWorker with(Map<String, String> settings) {
        return new AttackedWorker(settings);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        String name = context.getRequiredTestClass().getSimpleName();
        redis = RedisServerProcess.start(name + "-redis");
        cluster = Cluster.start(name, 1, redis, settings);
        memory = JvmMemory.attach(node().handle().pid());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!node().isAlive() || node().health() != 200) {
            memory.close();
            cluster.replace(1);
            memory = JvmMemory.attach(node().handle().pid());
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        perTest.close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        perTest.close();
        if (memory != null) {
            memory.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (redis != null) {
            redis.close();
        }
        FaultReport.print();
    }

    /** The worker as it is now: a test that broke it gets a new one in the next test. */
    public ServerNode node() {
        return cluster.node(1);
    }

    /** The memory readings of the worker's JVM as it is now. */
    public JvmMemory memory() {
        return memory;
    }

    /** The worker's private redis-server. */
    public RedisServerProcess redis() {
        return redis;
    }

    /** The secret that signs client tokens. */
    public String tokenSecret() {
        return cluster.tokenSecret();
    }

    /** Registers {@code resource} (a client, a fleet) to be closed after the test; returns it. */
    public <T extends AutoCloseable> T keep(T resource) {
        return perTest.keep(resource);
    }

    /** What the test registered with {@link #keep}, for measurements that close it before they measure. */
    public Resources perTest() {
        return perTest;
    }
}
