package io.switchboard.internal.session;

/**
 * A token bucket: {@code ratePerSecond} permits per second, bursts up to one second's worth (or
 * {@code burst}).
 * Used by one connection's thread at a time (JSR-356 does not call a session's handler concurrently).
 */
final class RateLimiter {
    private final double ratePerNano;
    private final double capacity;
    private double tokens;
    private long lastNanos = System.nanoTime();

    RateLimiter(int ratePerSecond) {
        this(ratePerSecond, ratePerSecond);
    }

    /** With a burst other than one second's worth. */
    RateLimiter(int ratePerSecond, int burst) {
        this.ratePerNano = ratePerSecond / 1e9;
        this.capacity = burst;
        this.tokens = burst;
    }

    synchronized boolean tryAcquire() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastNanos) * ratePerNano);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
