package io.switchboard.internal.node;

import io.switchboard.internal.testing.ScriptedHistoryBus;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.protocol.Offset;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping a node happens once, whoever asks and however many at once. */
class NodeStopTest {

    @Test
    void twoStopsAtOnceCloseTheBusOnce() throws Exception {
        SwitchboardConfig config = SwitchboardConfig.load(new ConfigSource(key -> null, key -> null, Map.of()));
        ScriptedHistoryBus bus = new ScriptedHistoryBus(new History(Offset.marker(1), true, List.of(),
                new io.switchboard.internal.bus.Lineage.Placement(0, true, true)));
        SwitchboardNode node = new SwitchboardNode(config, bus);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> stops = List.of(
                    callers.submit(() -> { go.await(); node.stop(); return null; }),
                    callers.submit(() -> { go.await(); node.stop(); return null; }));
            go.countDown();
            for (Future<?> stop : stops) {
                stop.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        node.stop();
        assertThat(bus.closes.get()).isEqualTo(1);
        assertThat(node.isStopping()).isTrue();
    }
}
