package io.switchboard.internal.core;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.switchboard.internal.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The counts behind the meters: what a node and a standalone publisher register, and the figures /api/stats shows. */
class NodeStatsTest {

    @Test
    void aStandalonePublishersRegistryHoldsOnlyItsOwnPublishMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NodeStats stats = NodeStats.ofStandalonePublisher(registry);
        stats.published(Publisher.Door.STANDALONE, 3, 1_000_000);
        stats.delivered(5);

        assertThat(registry.getMeters()).extracting(meter -> meter.getId().getName())
                .filteredOn(name -> !name.endsWith(".histogram")) // the latency buckets, as this registry shows them
                .containsExactlyInAnyOrder("switchboard.publishes", "switchboard.publish.failures", "switchboard.publish.latency");
        assertThat(registry.getMeters()).extracting(meter -> meter.getId().getTag("door")).containsOnly("standalone");
        assertThat(registry.get("switchboard.publishes").functionCounter().count()).isEqualTo(3);
    }

    @Test
    void aNodeRegistersEveryDoorButTheStandalonePublishersAndTaggedMetersAtTheirFirstCount() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        NodeStats stats = new NodeStats(registry);

        assertThat(registry.find("switchboard.publishes").meters()).extracting(meter -> meter.getId().getTag("door"))
                .containsExactlyInAnyOrder("api", "java", "browser", "node");
        assertThat(registry.find("switchboard.closes").meters()).isEmpty();

        stats.closed(1013, true);
        stats.closed(1013, true);
        stats.closed(3999, false);
        stats.refused(ErrorCode.FORBIDDEN);

        assertThat(registry.get("switchboard.closes").tag("code", "1013").tag("side", "server").functionCounter().count()).isEqualTo(2);
        assertThat(registry.get("switchboard.closes").tag("code", "other").tag("side", "client").functionCounter().count()).isEqualTo(1);
        assertThat(registry.find("switchboard.closes").meters()).hasSize(2);
        assertThat(stats.snapshot()).containsEntry("protocolErrors", 1L);
        assertThat(registry.getMeters()).extracting(Meter::getId).allSatisfy(id -> assertThat(id.getName()).startsWith("switchboard."));
    }
}
