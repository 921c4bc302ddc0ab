package io.switchboard.internal.metrics;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where one node's meters go. The node registers every meter once, in {@link #meters()}, a
 * composite that hands each to:
 * <ul>
 *   <li>its own {@link PrometheusMeterRegistry}, always: {@code GET {prefix}/api/metrics} shows it
 *       ({@link #scrape()});</li>
 *   <li>a {@link JmxMeterRegistry} under a domain of its own ({@link JmxDomain}) when
 *       {@code switchboard.metrics=jmx};</li>
 *   <li>the application's registries handed over ({@link #bind}): at start (no recording is
 *       missed) or later (timers and summaries then count from the binding on; counters and
 *       gauges read the node's figures, so they show everything).</li>
 * </ul>
 * Never the JVM-wide {@code Metrics.globalRegistry}: two web applications in one container each
 * have their own node, and neither sees nor overwrites the other's meters.
 *
 * <p>{@link #close} (on undeploy) removes the node's meters from every registry it was handed,
 * so a registry that outlives the application holds nothing that refers to it, and unregisters
 * its MBeans. Thread-safe.
 */
public final class NodeRegistries implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeRegistries.class);
    /** The content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JmxMeterRegistry jmx;
    private final JmxDomain jmxDomain;
    private final Set<MeterRegistry> bound = ConcurrentHashMap.newKeySet();

    /**
     * @param jmxDomain   the JMX domain wanted (made unique in this JVM), or empty for no JMX export
     * @param application the application's registry handed over at start, if any
     */
    public NodeRegistries(String nodeId, Optional<String> jmxDomain, Optional<MeterRegistry> application) {
        meters.config().commonTags(MeterNames.NODE, nodeId);
        meters.add(prometheus);
        if (jmxDomain.isPresent()) {
            this.jmxDomain = JmxDomain.reserve(jmxDomain.get(), nodeId);
            JmxConfig config = new JmxConfig() {
                @Override
                public String get(String key) {
                    return null;
                }

                @Override
                public String domain() {
                    return NodeRegistries.this.jmxDomain.name();
                }
            };
            this.jmx = new JmxMeterRegistry(config, Clock.SYSTEM);
            meters.add(jmx);
            log.info("Switchboard metrics are exported through JMX under the domain '{}'", this.jmxDomain.name());
        } else {
            this.jmxDomain = null;
            this.jmx = null;
        }
        application.ifPresent(this::bind);
    }

    /** What the node registers its meters in. */
    public MeterRegistry meters() {
        return meters;
    }

    /** The node's meters in the Prometheus text format ({@link #PROMETHEUS_CONTENT_TYPE}). */
    public String scrape() {
        return prometheus.scrape();
    }

    /** The JMX domain the meters are exported under; empty without JMX export. */
    public Optional<String> jmxDomain() {
        return Optional.ofNullable(jmxDomain).map(JmxDomain::name);
    }

    /**
     * Registers the node's meters, present and future, in {@code registry} too, until the returned
     * handle runs (or the node stops): then they are removed from it again. Binding the same
     * registry twice binds it once.
     */
    public Runnable bind(MeterRegistry registry) {
        if (registry == meters || registry == prometheus || registry == jmx) {
            throw new IllegalArgumentException("that registry is the node's own");
        }
        if (bound.add(registry)) {
            meters.add(registry);
        }
        return () -> unbind(registry);
    }

    private void unbind(MeterRegistry registry) {
        if (!bound.remove(registry)) {
            return;
        }
        meters.remove(registry);
        for (Meter meter : meters.getMeters()) {
            // The composite registered each meter in the child under the composite meter's id.
            registry.removeByPreFilterId(meter.getId());
        }
    }

    /** Removes the node's meters from every registry it was handed and unregisters its MBeans. Idempotent. */
    @Override
    public void close() {
        bound.forEach(this::unbind);
        if (jmx != null) {
            meters.remove(jmx);
            jmx.close();
            jmxDomain.release();
        }
        meters.remove(prometheus);
        prometheus.close();
        meters.close();
    }
}
