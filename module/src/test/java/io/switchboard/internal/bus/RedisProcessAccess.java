package io.switchboard.internal.bus;

/** Lets tests of other packages start the package-private {@link RedisProcess}. */
public final class RedisProcessAccess implements AutoCloseable {
    private final RedisProcess redis;

    private RedisProcessAccess(RedisProcess redis) {
        this.redis = redis;
    }

    public static RedisProcessAccess start() throws Exception {
        return new RedisProcessAccess(new RedisProcess());
    }

    public String url() {
        return redis.url();
    }

    @Override
    public void close() throws InterruptedException {
        redis.close();
    }
}
