package io.switchboard.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.testkit.PrometheusText;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a node's meters go: its own Prometheus registry, JMX under a domain of its own, the application's registry. */
class NodeRegistriesTest {
    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @Test
    void scrapeIsPrometheusTextWithEveryMeterTaggedWithTheNode() {
        try (NodeRegistries registries = new NodeRegistries("node-a", Optional.empty(), Optional.empty())) {
            Counter.builder("switchboard.test.things").tag("kind", "x").register(registries.meters()).increment(3);
            Timer.builder("switchboard.test.latency").register(registries.meters()).record(Duration.ofMillis(5));

            PrometheusText text = PrometheusText.parse(registries.scrape());

            assertThat(text.sum("switchboard_test_things_total", "kind", "x", "node", "node-a")).isEqualTo(3);
            assertThat(text.type("switchboard_test_things_total")).isEqualTo("counter");
            assertThat(text.sum("switchboard_test_latency_seconds_count", "node", "node-a")).isEqualTo(1);
            assertThat(text.sum("switchboard_test_latency_seconds_sum", "node", "node-a")).isEqualTo(0.005);
        }
    }

    @Test
    void anApplicationsRegistryHandedOverGetsTheMetersAndLosesThemWhenTheNodeStops() {
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        Counter applicationsOwn = application.counter("shop.orders");
        NodeRegistries registries = new NodeRegistries("node-b", Optional.empty(), Optional.of(application));
        Counter.builder("switchboard.test.things").register(registries.meters()).increment(2);

        assertThat(application.get("switchboard.test.things").tag("node", "node-b").counter().count()).isEqualTo(2);

        registries.close();

        assertThat(application.getMeters()).containsExactly(applicationsOwn);
    }

    @Test
    void aRegistryBoundLaterGetsTheMetersRegisteredBeforeAndLosesThemWhenUnbound() {
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        try (NodeRegistries registries = new NodeRegistries("node-c", Optional.empty(), Optional.empty())) {
            Counter.builder("switchboard.test.before").register(registries.meters());
            Runnable unbind = registries.bind(application);
            Counter.builder("switchboard.test.after").register(registries.meters()).increment();

            assertThat(application.find("switchboard.test.before").counter()).isNotNull();
            assertThat(application.get("switchboard.test.after").counter().count()).isEqualTo(1);

            unbind.run();

            assertThat(application.getMeters()).isEmpty();
            assertThat(PrometheusText.parse(registries.scrape()).has("switchboard_test_after_total")).isTrue();
        }
    }

    @Test
    void twoNodesInOneJvmExportThroughJmxUnderDomainsOfTheirOwnAndUnregisterOnClose() throws Exception {
        String wanted = "switchboard.unit" + System.nanoTime();
        try (NodeRegistries first = new NodeRegistries("node-1", Optional.of(wanted), Optional.empty());
             NodeRegistries second = new NodeRegistries("node-2", Optional.of(wanted), Optional.empty())) {
            assertThat(first.jmxDomain()).contains(wanted);
            assertThat(second.jmxDomain()).contains(wanted + "-2");
            Counter.builder("switchboard.test.things").register(first.meters()).increment(4);
            Counter.builder("switchboard.test.things").register(second.meters()).increment(9);

            assertThat(jmx.getAttribute(new ObjectName(wanted, "type", "Node"), "NodeId")).isEqualTo("node-1");
            assertThat(jmx.getAttribute(new ObjectName(wanted + "-2", "type", "Node"), "NodeId")).isEqualTo("node-2");
            assertThat(count(wanted)).isEqualTo(4);
            assertThat(count(wanted + "-2")).isEqualTo(9);
        }
        assertThat(jmx.queryNames(new ObjectName(wanted + ":*"), null)).isEmpty();
        assertThat(jmx.queryNames(new ObjectName(wanted + "-2:*"), null)).isEmpty();
    }

    @Test
    void theJmxDomainOfAWebApplicationIsNamedAfterItsContextPath() {
        assertThat(JmxDomain.forContext("")).isEqualTo("switchboard");
        assertThat(JmxDomain.forContext("/shop")).isEqualTo("switchboard.shop");
        assertThat(JmxDomain.forContext("/a/b:c*")).isEqualTo("switchboard.a.b.c");
    }

    private double count(String domain) throws Exception {
        Set<ObjectName> names = jmx.queryNames(new ObjectName(domain + ":name=*Things*,*"), null);
        assertThat(names).as("MBeans of the counter in %s: %s", domain, jmx.queryNames(new ObjectName(domain + ":*"), null))
                .hasSize(1);
        return ((Number) jmx.getAttribute(names.iterator().next(), "Count")).doubleValue();
    }
}
