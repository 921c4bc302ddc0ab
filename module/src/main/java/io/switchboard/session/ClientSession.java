package io.switchboard.session;

import io.switchboard.protocol.CloseCodes;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbound side of one WebSocket connection: a bounded queue of frames drained by one
 * asynchronous send at a time, and a close that happens exactly once.
 *
 * <p><b>Threading.</b> {@link #send} may be called from any thread (bus threads, the connection's
 * own thread, timers) and never blocks: it enqueues and, if no send is in flight, starts one.
 * The container's completion callback starts the next. At most one {@code sendText} is in flight,
 * which is what JSR-356 allows for a session.
 *
 * <p><b>Overflow policy.</b> When {@code maxQueued} frames wait, the client is not keeping up:
 * it is closed with 1013 (try again later) rather than buffering without bound or slowing down
 * the bus. A client that reconnects with {@code since} gets what it missed from history.
 */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /** The lifecycle; moves only forward. */
    public enum State { OPEN, CLOSING, CLOSED }

    private final Session session;
    private final RemoteEndpoint.Async remote;
    private final int maxQueued;
    private final Executor closer;
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final AtomicInteger sentFrames = new AtomicInteger();
    private volatile long lastInboundNanos = System.nanoTime();
    private volatile boolean pingOutstanding;
    private volatile boolean overflowed;
    private final Queue<Runnable> drainWaiters = new ConcurrentLinkedQueue<>();

    /**
     * @param closer runs the blocking part of a close (the container writes the close frame), so
     *               that a bus thread never waits on a client's socket
     */
    public ClientSession(Session session, int maxQueued, long sendTimeoutMillis, Executor closer) {
        this.session = session;
        this.remote = session.getAsyncRemote();
        this.remote.setSendTimeout(sendTimeoutMillis);
        this.maxQueued = maxQueued;
        this.closer = closer;
    }

    public String id() {
        return session.getId();
    }

    public State state() {
        return state.get();
    }

    public boolean isOpen() {
        return state.get() == State.OPEN;
    }

    /** Queues a frame and starts sending it. Never blocks. */
    public void send(String frame) {
        if (enqueue(frame)) {
            flush();
        }
    }

    /**
     * Queues a frame without writing: for callers that must keep frames in order under their own
     * lock and write ({@link #flush}) after releasing it. Closes the session with 1013 if its
     * queue is full.
     *
     * @return whether the frame was queued
     */
    public boolean enqueue(String frame) {
        if (state.get() != State.OPEN) {
            return false;
        }
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            if (state.get() == State.OPEN) {
                overflowed = true;
            }
            close(CloseCodes.TRY_AGAIN_LATER, "send queue full: the client is not reading fast enough");
            return false;
        }
        queue.add(frame);
        return true;
    }

    /** Starts writing queued frames if no write is in flight. Never blocks. */
    public void flush() {
        pump();
    }

    /**
     * How many frames may be queued now while leaving half the queue to live traffic: what a
     * replay may add in one page.
     */
    public int replayRoom() {
        return Math.max(1, maxQueued / 2 - queued.get());
    }

    /**
     * Runs {@code next} once the queue is at most a quarter full (at once if it is already): how a
     * long replay continues page by page instead of overflowing the queue. With pages of up to
     * half the queue ({@link #replayRoom}), each page is at least a quarter of the queue.
     */
    public void whenDrained(Runnable next) {
        drainWaiters.add(next);
        runIfDrained();
    }

    /** Lets waiting replays (one per channel being replayed) add pages while the queue has room. */
    private void runIfDrained() {
        Runnable next;
        while (queued.get() <= maxQueued / 4 && state.get() == State.OPEN && (next = drainWaiters.poll()) != null) {
            next.run();
        }
    }

    /** Records inbound traffic (any frame) for the heartbeat. */
    public void touch() {
        lastInboundNanos = System.nanoTime();
        pingOutstanding = false;
    }

    public long silentNanos() {
        return System.nanoTime() - lastInboundNanos;
    }

    public boolean pingOutstanding() {
        return pingOutstanding;
    }

    public void markPingSent() {
        pingOutstanding = true;
    }

    /** Whether the session was closed because its send queue overflowed (a slow consumer). */
    public boolean overflowed() {
        return overflowed;
    }

    public int queuedFrames() {
        return queued.get();
    }

    public int sentFrames() {
        return sentFrames.get();
    }

    /**
     * Closes the connection once with {@code code}; later calls do nothing. The close frame is
     * written on the closer executor.
     */
    public void close(int code, String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
            return;
        }
        queue.clear();
        closer.execute(() -> closeNow(code, reason));
    }

    /** Closes on the calling thread (used at shutdown, where the caller waits anyway). */
    public void closeNow(int code, String reason) {
        state.set(State.CLOSING);
        try {
            if (session.isOpen()) {
                session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("Session {}: close with {} failed: {}", id(), code, e.toString());
        } finally {
            state.set(State.CLOSED);
        }
    }

    /** The container reported the connection closed. */
    public void closed() {
        state.set(State.CLOSED);
        queue.clear();
        drainWaiters.clear();
    }

    /** Starts sends, then lets a waiting replay add its next page if the queue has drained. */
    private void pump() {
        startSends();
        runIfDrained();
    }

    /**
     * Starts sends until the queue is empty or a send is pending. A send whose completion the
     * container reports on this same thread, before {@code sendText} returns, is continued by this
     * loop instead of by recursion, so a fast socket cannot grow the stack.
     */
    private void startSends() {
        while (state.get() == State.OPEN && sending.compareAndSet(false, true)) {
            String frame = queue.poll();
            if (frame == null) {
                sending.set(false);
                if (queue.isEmpty()) {
                    return;
                }
                continue;
            }
            queued.decrementAndGet();
            Completion completion = new Completion();
            try {
                remote.sendText(frame, completion);
            } catch (RuntimeException e) {
                sending.set(false);
                failed(e);
                return;
            }
            if (!completion.returnedToCaller()) {
                return;
            }
        }
    }

    private void failed(Throwable error) {
        log.debug("Session {}: send failed: {}", id(), error.toString());
        close(CloseCodes.GOING_AWAY, "send failed");
    }

    /** The completion of one {@code sendText}. */
    private final class Completion implements SendHandler {
        private final Thread caller = Thread.currentThread();
        private boolean callerReturned; // guarded by this
        private boolean completedInline; // guarded by this

        @Override
        public void onResult(SendResult result) {
            if (!result.isOK()) {
                sending.set(false);
                failed(result.getException());
                return;
            }
            sentFrames.incrementAndGet();
            synchronized (this) {
                if (!callerReturned && Thread.currentThread() == caller) {
                    completedInline = true;
                    return;
                }
            }
            sending.set(false);
            pump();
        }

        /** Called by the pump after sendText returned: true if the pump should go on itself. */
        boolean returnedToCaller() {
            synchronized (this) {
                callerReturned = true;
                if (completedInline) {
                    sending.set(false);
                    return true;
                }
                return false;
            }
        }
    }
}
