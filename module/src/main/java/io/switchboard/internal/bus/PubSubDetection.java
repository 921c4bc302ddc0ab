package io.switchboard.internal.bus;

import org.redisson.api.RFuture;
import org.redisson.api.redisnode.RedisClusterMaster;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.api.RedissonClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Decides the bus's {@link PubSubMode}, once: {@link PubSubMode#SHARDED} on a Redis Cluster whose masters all run
 * Redis 7 or later (their {@code INFO server} {@code redis_version}), {@link PubSubMode#CLASSIC} everywhere else
 * (single Redis, Sentinel, a cluster with a Redis 6 master).
 *
 * <p>Outside a cluster the answer is known at once. In a cluster the masters are asked when the bus starts; while
 * they have not answered (Redis down at start: the client connects lazily), each {@link #mode()} joins the
 * question in flight or asks again, and fails as a publish to an unreachable Redis fails. Every process of a
 * deployment must decide alike, so a cluster being upgraded from Redis 6 is classic until the processes restart
 * after the last master runs Redis 7.
 *
 * <p>Threading: {@link #mode()} may be called from any thread; the answer arrives on Redisson's threads.
 */
final class PubSubDetection {
    private static final int SHARDED_SINCE_MAJOR = 7;

    private final RedissonClient redisson;
    private final AtomicReference<CompletableFuture<PubSubMode>> asked = new AtomicReference<>();

    PubSubDetection(RedissonClient redisson) {
        this.redisson = redisson;
        if (!redisson.getConfig().isClusterConfig()) {
            asked.set(CompletableFuture.completedFuture(PubSubMode.CLASSIC));
        }
    }

    /** The mode, once decided; else the answer of the question in flight, or of a new one. */
    CompletionStage<PubSubMode> mode() {
        CompletableFuture<PubSubMode> current = asked.get();
        if (current != null && !current.isCompletedExceptionally()) {
            return current;
        }
        CompletableFuture<PubSubMode> question = new CompletableFuture<>();
        if (!asked.compareAndSet(current, question)) {
            return mode(); // another thread asked (or the answer came) meanwhile
        }
        ask().whenComplete((mode, error) -> {
            if (error != null) {
                question.completeExceptionally(new BusUnavailableException(
                        "Redis Cluster did not say which pub/sub it supports: " + error.getMessage(), error));
            } else {
                question.complete(mode);
            }
        });
        return question;
    }

    private CompletionStage<PubSubMode> ask() {
        List<CompletableFuture<Map<String, String>>> infos = new ArrayList<>();
        try {
            for (RedisClusterMaster master : redisson.getRedisNodes(RedisNodes.CLUSTER).getMasters()) {
                RFuture<Map<String, String>> info = master.infoAsync(RedisNode.InfoSection.SERVER);
                infos.add(info.toCompletableFuture());
            }
        } catch (RuntimeException unreachable) {
            return CompletableFuture.failedFuture(unreachable);
        }
        if (infos.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("no master known yet"));
        }
        return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).thenApply(done -> {
            boolean allSharded = infos.stream().map(CompletableFuture::join)
                    .allMatch(info -> supportsSharded(info.get("redis_version")));
            return allSharded ? PubSubMode.SHARDED : PubSubMode.CLASSIC;
        });
    }

    /** Whether a {@code redis_version} (e.g. {@code 7.0.15}) has sharded pub/sub. */
    static boolean supportsSharded(String version) {
        if (version == null) {
            return false;
        }
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version : version.substring(0, dot)) >= SHARDED_SINCE_MAJOR;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
