package io.switchboard.internal.bus;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Topic;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What each node tells the cluster about itself, in Redis hashes with one field per node: the
 * directory of node figures ({@link #announce}, {@link #nodes}) and each presence channel's
 * members ({@link #present}, {@link #members}). Every field carries its own expiry
 * ({@link ExpiringEntry}), so that a crashed node's entries stop counting without anyone removing
 * them; an entry that cannot be read counts as expired.
 *
 * <p>Threading: no thread of its own and no mutable state. Writes start on the caller's thread;
 * reads are decoded on Redisson's threads.
 */
final class RedisDirectory {
    private static final Logger log = LoggerFactory.getLogger(RedisDirectory.class);
    private static final Duration NODE_FIGURES_TTL = Duration.ofSeconds(30);

    private final RedissonClient redisson;
    private final String namespace;
    private final RMap<String, String> nodeFigures;

    RedisDirectory(RedissonClient redisson, String namespace) {
        this.redisson = redisson;
        this.namespace = namespace;
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

    /**
     * See {@link Bus#present}. The whole hash expires at twice {@code ttl} after its last write,
     * so a channel whose every node crashed leaves nothing behind.
     */
    CompletionStage<Void> present(Topic channel, String nodeId, Set<String> users, Duration ttl) {
        RMap<String, String> members = presence(channel);
        if (users.isEmpty()) {
            return members.fastRemoveAsync(nodeId).thenApply(ignored -> null);
        }
        try {
            String value = ExpiringEntry.encode(System.currentTimeMillis() + ttl.toMillis(),
                    Json.MAPPER.writeValueAsString(users));
            return members.fastPutAsync(nodeId, value)
                    .thenCompose(ignored -> members.expireAsync(ttl.multipliedBy(2)))
                    .thenApply(ignored -> null);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** See {@link Bus#members}: the union of the live shares of all nodes. */
    CompletionStage<Set<String>> members(Topic channel) {
        return presence(channel).readAllMapAsync().thenApply(byNode -> {
            long now = System.currentTimeMillis();
            Set<String> users = new TreeSet<>();
            byNode.forEach((node, value) -> ExpiringEntry.decode(value, now).ifPresent(share -> {
                try {
                    Json.MAPPER.readTree(share).forEach(user -> users.add(user.asText()));
                } catch (JsonProcessingException e) {
                    log.debug("Skipped unreadable presence entry of node {}", node);
                }
            }));
            return users;
        });
    }

    private RMap<String, String> presence(Topic channel) {
        return redisson.getMap(RedisKeys.key(namespace, channel, "presence"), StringCodec.INSTANCE);
    }
}
