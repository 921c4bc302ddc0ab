package io.switchboard.internal.bus;

import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * What each node tells the cluster about itself, in a Redis hash with one field per node: the
 * directory of node figures ({@link #announce}, {@link #nodes}). Every field carries its own expiry
 * ({@link ExpiringEntry}), so that a crashed node's entries stop counting without anyone removing
 * them; an entry that cannot be read counts as expired.
 *
 * <p>Threading: no thread of its own and no mutable state. Writes start on the caller's thread;
 * reads are decoded on Redisson's threads.
 */
final class RedisDirectory {
    private static final Duration NODE_FIGURES_TTL = Duration.ofSeconds(30);

    private final RMap<String, String> nodeFigures;

    RedisDirectory(RedissonClient redisson, String namespace) {
        this.nodeFigures = redisson.getMap(RedisKeys.nodes(namespace), StringCodec.INSTANCE);
    }

    /** See {@link Bus#announce}. */
    CompletionStage<Void> announce(String nodeId, String figuresJson) {
        long expiresAt = System.currentTimeMillis() + NODE_FIGURES_TTL.toMillis();
        return nodeFigures.fastPutAsync(nodeId, ExpiringEntry.encode(expiresAt, figuresJson)).thenApply(ignored -> null);
    }

    /** See {@link Bus#nodes}. Entries that stopped counting are removed on the way. */
    CompletionStage<Map<String, String>> nodes() {
        return nodeFigures.readAllMapAsync().thenApply(all -> {
            long now = System.currentTimeMillis();
            Map<String, String> live = new HashMap<>();
            all.forEach((node, value) -> ExpiringEntry.decode(value, now).ifPresentOrElse(
                    figures -> live.put(node, figures),
                    () -> nodeFigures.fastRemoveAsync(node)));
            return live;
        });
    }
}
