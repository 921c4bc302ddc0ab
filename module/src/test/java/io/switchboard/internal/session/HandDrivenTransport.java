package io.switchboard.internal.session;

import io.switchboard.internal.protocol.OutboundFrame;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client connection for session tests: it records each send's frames, and its sends complete
 * when the test says so ({@link #completeOne}) or at once ({@link #completeInline}). Sends and
 * completions may come from different threads: the records are guarded by this object.
 */
final class HandDrivenTransport implements Transport {
    private final boolean batches;
    private final List<List<String>> sends = new ArrayList<>(); // guarded by this
    private final List<Completion> pending = new ArrayList<>(); // guarded by this
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger maxDepth = new AtomicInteger();
    volatile boolean completeInline;
    /** What the transport writes to look busy, or null (a WebSocket). */
    volatile OutboundFrame keepAlive;
    /** The code the connection was closed with; null while it is open. */
    volatile Integer closedWith;

    /** @param batches whether one send may carry several frames */
    HandDrivenTransport(boolean batches) {
        this.batches = batches;
    }

    @Override
    public String id() {
        return "n.s1";
    }

    @Override
    public String kind() {
        return "websocket";
    }

    @Override
    public boolean batches() {
        return batches;
    }

    @Override
    public void send(List<OutboundFrame> frames, Completion done) {
        List<String> texts = frames.stream().map(OutboundFrame::text).toList();
        synchronized (this) {
            sends.add(texts);
        }
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        maxDepth.accumulateAndGet(Thread.currentThread().getStackTrace().length, Math::max);
        if (completeInline) {
            inFlight.decrementAndGet();
            done.sent(null);
        } else {
            synchronized (this) {
                pending.add(done);
            }
        }
    }

    @Override
    public boolean isOpen() {
        return closedWith == null;
    }

    @Override
    public void close(int code, String reason) {
        closedWith = code;
    }

    @Override
    public OutboundFrame keepAlive() {
        return keepAlive;
    }

    /** Completes the oldest pending send, as the container would on one of its threads. */
    void completeOne() {
        Completion done;
        synchronized (this) {
            done = pending.remove(0);
        }
        inFlight.decrementAndGet();
        done.sent(null);
    }

    /** Completes pending sends, and those they lead to, until none is pending. */
    void completeAll() {
        while (pendingSends() > 0) {
            completeOne();
        }
    }

    synchronized int pendingSends() {
        return pending.size();
    }

    /** Each send's frames, in the order sent. */
    synchronized List<List<String>> sends() {
        return List.copyOf(sends);
    }

    /** Every frame sent, in order: what the client receives. */
    synchronized List<String> written() {
        return sends.stream().flatMap(List::stream).toList();
    }

    /** The most sends ever in flight at once. */
    int maxInFlight() {
        return maxInFlight.get();
    }

    /** The deepest stack a send was made on. */
    int maxDepth() {
        return maxDepth.get();
    }
}
