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
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 * <p>Threading: {@link #mode()} may be called from any thread and never blocks it: the masters are listed on
 * {@code asker}, because Redisson connects a lazily started client on the thread that first lists them, and waits
 * there until it gives up while Redis is unreachable. The answer arrives on Redisson's threads.
 */
final class PubSubDetection {
    private static final int SHARDED_SINCE_MAJOR = 7;

    private final RedissonClient redisson;
    private final Executor asker;
    private final AtomicReference<CompletableFuture<PubSubMode>> asked = new AtomicReference<>();

    /** @param asker lists the cluster's masters (may block while Redis is unreachable: not a caller's thread) */
    PubSubDetection(RedissonClient redisson, Executor asker) {
        this.redisson = redisson;
        this.asker = asker;
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
        CompletableFuture<List<CompletableFuture<Map<String, String>>>> asked = new CompletableFuture<>();
        try {
            asker.execute(() -> {
                try {
                    asked.complete(askMasters());
                } catch (RuntimeException unreachable) {
                    asked.completeExceptionally(unreachable);
                }
            });
        } catch (RejectedExecutionException closing) {
            asked.completeExceptionally(closing);
        }
        return asked.thenCompose(infos -> CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).thenApply(done -> {
            boolean allSharded = infos.stream().map(CompletableFuture::join)
                    .allMatch(info -> supportsSharded(info.get("redis_version")));
            return allSharded ? PubSubMode.SHARDED : PubSubMode.CLASSIC;
        }));
    }

    /** Asks every master for its {@code INFO server}; on {@code asker}. */
    private List<CompletableFuture<Map<String, String>>> askMasters() {
        List<CompletableFuture<Map<String, String>>> infos = new ArrayList<>();
        for (RedisClusterMaster master : redisson.getRedisNodes(RedisNodes.CLUSTER).getMasters()) {
            RFuture<Map<String, String>> info = master.infoAsync(RedisNode.InfoSection.SERVER);
            infos.add(info.toCompletableFuture());
        }
        if (infos.isEmpty()) {
            throw new IllegalStateException("no master known yet");
        }
        return infos;
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
