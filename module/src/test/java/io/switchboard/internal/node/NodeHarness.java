package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A started node on the in-process bus with the given settings, and helpers to drive connections. */
final class NodeHarness implements AutoCloseable {
    final SwitchboardConfig config;
    final SwitchboardNode node;

    NodeHarness(Map<String, String> settings) {
        config = SwitchboardConfig.load(new ConfigSource(settings::get, key -> null, Map.of()));
        node = new SwitchboardNode(config, new LocalBus(config.historySize(), config.historyTtl()));
        node.start();
    }

    /** Publishes {@code count} events whose data is {@code size} characters; returns the epoch. */
    String publishLarge(String channel, int count, int size) throws Exception {
        String offset = null;
        for (int i = 1; i <= count; i++) {
            offset = node.api().publish(channel, "big", Map.of("i", i, "pad", "x".repeat(size)))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        return offset.substring(0, offset.lastIndexOf('-'));
    }

    static List<JsonNode> ofOp(List<JsonNode> frames, String op) {
        return frames.stream().filter(frame -> op.equals(frame.path("op").asText())).toList();
    }

    static boolean has(List<JsonNode> frames, String op, int id) {
        return frames.stream().anyMatch(frame -> op.equals(frame.path("op").asText()) && frame.path("id").asInt() == id);
    }

    @Override
    public void close() {
        node.stop();
    }
}
