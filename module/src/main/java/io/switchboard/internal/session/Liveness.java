package io.switchboard.internal.session;

/**
 * What the heartbeat knows of one connection: when the client last sent anything, and whether
 * a ping of ours waits for its answer. Written by the connection's thread ({@link #touch}) and
 * the node's timer ({@link #markPingSent}); read by the timer.
 */
public final class Liveness {
    private volatile long lastInboundNanos = System.nanoTime();
    private volatile boolean pingOutstanding;

    /** Records inbound traffic (any frame): the client is there, and answered any ping. */
    public void touch() {
        lastInboundNanos = System.nanoTime();
        pingOutstanding = false;
    }

    /** How long the client has sent nothing. */
    public long silentNanos() {
        return System.nanoTime() - lastInboundNanos;
    }

    public boolean pingOutstanding() {
        return pingOutstanding;
    }

    public void markPingSent() {
        pingOutstanding = true;
    }
}
