package io.switchboard.internal.session;

import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.OutboundFrame;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbound side of one client connection: a bounded queue of frames drained by one
 * asynchronous send at a time to its {@link Transport} (a WebSocket, an SSE stream), and a close
 * that happens exactly once. The queue and its sends are {@link SendQueue}'s (which also batches
 * frames for transports that take batches, and applies the node's {@link WriteDelay}).
 *
 * <p><b>Threading.</b> {@link #send} may be called from any thread (bus threads, the connection's
 * own thread, timers) and never blocks: it enqueues and, if no send is in flight, starts one.
 * The transport's completion callback starts the next.
 *
 * <p><b>Overflow policy.</b> When {@code maxQueued} frames, or {@code maxQueuedBytes} of them, wait,
 * the client is not keeping up: it is closed with 1013 (try again later) rather than buffering
 * without bound or slowing down the bus. The byte bound is what makes the queue's memory bounded
 * whatever the frame sizes (large events, long echoed {@code id}s); a single frame larger than it
 * is still accepted into an empty queue, so no frame is undeliverable. Frames are measured in
 * characters: their size on the heap, and on the wire for ASCII text (up to three bytes each in UTF-8 otherwise).
 * A client that reconnects with {@code since} gets what it missed from history. A send
 * that the transport has not completed after a while means the same ({@link #sendStalledFor}); the
 * node checks that for all sessions on one timer instead of giving each send its own timeout,
 * which in Tomcat costs a synchronized registration per write.
 */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /** The lifecycle; moves only forward. */
    public enum State { OPEN, CLOSING, CLOSED }

    private final String id;
    private final Transport transport;
    private final int maxQueued;
    private final long maxQueuedBytes;
    private final Executor closer;
    private final SendQueue queue;
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final Liveness liveness = new Liveness();
    private volatile boolean overflowed;
    private volatile Queue<Runnable> drainWaiters; // created by the first replay that waits

    private final Object lock = new Object();
    private boolean replayTurnTaken; // guarded by lock: a replay is reading its next page (see awaitReplayTurn)
    /** How this node closed the connection; null while it has not (the client may close it). */
    private volatile Closing closing;

    /**
     * @param transport the connection; its id is this session's id in the cluster (see {@link SessionIds})
     * @param closer    runs the blocking part of a close (the container writes the close frame), so
     *                  that a bus thread never waits on a client's socket
     */
    public ClientSession(Transport transport, int maxQueued, long maxQueuedBytes, Executor closer) {
        this(transport, maxQueued, maxQueuedBytes, closer, null);
    }

    /** @param writeDelay the node's write delay, or null to write at once */
    public ClientSession(Transport transport, int maxQueued, long maxQueuedBytes, Executor closer, WriteDelay writeDelay) {
        this.id = transport.id();
        this.transport = transport;
        this.maxQueued = maxQueued;
        this.maxQueuedBytes = maxQueuedBytes;
        this.closer = closer;
        this.queue = new SendQueue(transport, maxQueued, maxQueuedBytes, writeDelay, new SendQueue.Owner() {
            @Override
            public boolean isOpen() {
                return state.get() == State.OPEN;
            }

            @Override
            public void progressed() {
                runIfDrained();
            }

            @Override
            public void failed(Throwable error) {
                log.debug("Session {}: send failed: {}", id, error.toString());
                close(CloseCodes.GOING_AWAY, "send failed");
            }
        });
    }

    public String id() {
        return id;
    }

    /** What carries this session ({@link Transport#kind()}). */
    public String transport() {
        return transport.kind();
    }

    /** The secret requests for this session must carry ({@link Transport#secret()}), or null. */
    public String secret() {
        return transport.secret();
    }

    public State state() {
        return state.get();
    }

    public boolean isOpen() {
        return state.get() == State.OPEN;
    }

    /** Queues a one-off frame and starts sending it. Never blocks. */
    public void send(String frame) {
        send(OutboundFrame.of(frame));
    }

    /** Queues a frame and starts sending it. Never blocks. */
    public void send(OutboundFrame frame) {
        if (enqueue(frame)) {
            flush();
        }
    }

    /**
     * Sends {@code first} ahead of every frame queued while {@code setUp} runs on this thread, and
     * starts writing them on this thread once it returns: for a frame that promises what
     * {@code setUp} establishes ({@code welcome} once the user's topic is live). A connection's
     * first frame is written by the thread that opened it on purpose: Tomcat (10.1) can stall the
     * close of a connection whose first frame another thread wrote, blocking a request thread
     * for seconds when the client then drops the connection.
     */
    public void sendFirstAfter(OutboundFrame first, Runnable setUp) {
        queue.hold();
        try {
            enqueue(first);
            setUp.run();
        } finally {
            queue.release();
        }
    }

    /** {@link #enqueue(OutboundFrame)} for a one-off frame. */
    public boolean enqueue(String frame) {
        return enqueue(OutboundFrame.of(frame));
    }

    /**
     * Queues a frame without writing: for callers that must keep frames in order under their own
     * lock and write ({@link #flush}) after releasing it. Closes the session with 1013 if its
     * queue is full, by frames or by bytes.
     *
     * @return whether the frame was queued
     */
    public boolean enqueue(OutboundFrame frame) {
        SendQueue.Added added = queue.add(frame);
        if (added == SendQueue.Added.FULL) {
            overflowed = true;
            close(CloseCodes.TRY_AGAIN_LATER, "send queue full: the client is not reading fast enough");
        }
        return added == SendQueue.Added.QUEUED;
    }

    /**
     * Whether less than half the queue is taken, by frames and by bytes: room for a caller to queue
     * more before it flushes, without risking an overflow a flush now would have avoided.
     */
    public boolean roomToDefer() {
        return !queue.halfFull();
    }

    /**
     * Starts writing queued frames if no write is in flight (after the node's write delay, if any,
     * unless the queue is half full). Never blocks.
     */
    public void flush() {
        queue.flush();
        runIfDrained();
    }

    /**
     * How many frames may be queued now while leaving half the queue to live traffic: what a
     * replay may add in one page.
     */
    public int replayRoom() {
        return Math.max(1, maxQueued / 2 - queue.queuedFrames());
    }

    /**
     * How many bytes of frames may be queued now while leaving half the byte budget to live
     * traffic: the byte bound of a replay's next page (at least one byte: a page always holds
     * at least one event).
     */
    public long replayByteRoom() {
        return Math.max(1, maxQueuedBytes / 2 - queue.queuedBytes());
    }

    /**
     * Runs {@code next} once the queue is at most a quarter full, by frames and by bytes, and no
     * other replay of this connection has its turn (at once if both hold): how long replays go
     * out page by page instead of overflowing the queue. {@code next} gets the turn and must end
     * it with {@link #endReplayTurn} once its page is queued (or it gave up), whether it does so
     * on this thread or later on another: one page is read at a time per connection, so pages
     * read concurrently for several channels cannot together exceed the room each was sized
     * for. With pages of up to half the queue ({@link #replayRoom}, {@link #replayByteRoom}),
     * each page is at least a quarter of the queue.
     */
    public void awaitReplayTurn(Runnable next) {
        Queue<Runnable> waiters = drainWaiters;
        if (waiters == null) {
            synchronized (lock) {
                if (drainWaiters == null) {
                    drainWaiters = new ConcurrentLinkedQueue<>();
                }
                waiters = drainWaiters;
            }
        }
        waiters.add(next);
        runIfDrained();
    }

    /** Ends the turn {@link #awaitReplayTurn} gave; the next waiting replay may go once the queue has drained. */
    public void endReplayTurn() {
        synchronized (lock) {
            replayTurnTaken = false;
        }
        runIfDrained();
    }

    /** Gives the turn to the next waiting replay (one per channel being replayed) while the queue has room. */
    private void runIfDrained() {
        Queue<Runnable> waiters = drainWaiters;
        if (waiters == null) {
            return;
        }
        while (true) {
            Runnable next;
            synchronized (lock) {
                if (replayTurnTaken || !drained() || state.get() != State.OPEN || (next = waiters.poll()) == null) {
                    return;
                }
                replayTurnTaken = true;
            }
            next.run();
        }
    }

    private boolean drained() {
        return queue.queuedFrames() <= maxQueued / 4 && queue.queuedBytes() <= maxQueuedBytes / 4;
    }

    /** When the client last sent anything, for the heartbeat. */
    public Liveness liveness() {
        return liveness;
    }

    /**
     * Sends the transport's keep-alive ({@link Transport#keepAlive}) if nothing was sent for
     * {@code quietNanos} and nothing waits: an SSE stream must not look idle to a proxy.
     */
    public void keepAliveIfQuiet(long quietNanos) {
        OutboundFrame keepAlive = transport.keepAlive();
        if (keepAlive != null && queue.idle() && queue.quietNanos() > quietNanos) {
            send(keepAlive);
        }
    }

    /**
     * Whether the send in flight has been waiting for the container for more than {@code nanos}:
     * the client stopped reading and the socket's buffers are full.
     */
    public boolean sendStalledFor(long nanos) {
        return queue.stalledFor(nanos);
    }

    /** Closes a client whose sends stall: like a full queue, with 1013. */
    public void closeStalled(String reason) {
        if (isOpen()) {
            overflowed = true;
            close(CloseCodes.TRY_AGAIN_LATER, reason);
        }
    }

    /** Whether the session was closed as a slow consumer (queue full or a stalled send). */
    public boolean overflowed() {
        return overflowed;
    }

    public int queuedFrames() {
        return queue.queuedFrames();
    }

    public long queuedBytes() {
        return queue.queuedBytes();
    }

    /** Frames handed to the network (a batch counts its frames). */
    public int sentFrames() {
        return queue.sentFrames();
    }

    /** A close by this node: its code and reason. */
    public record Closing(int code, String reason) { }

    /** How this node closed the connection; empty if it has not (the client closed it, or the network). */
    public Optional<Closing> closing() {
        return Optional.ofNullable(closing);
    }

    /**
     * Closes the connection once with {@code code}; later calls do nothing. The close frame is
     * written on the closer executor.
     */
    public void close(int code, String reason) {
        if (!state.compareAndSet(State.OPEN, State.CLOSING)) {
            return;
        }
        closing = new Closing(code, reason);
        clearQueue();
        closer.execute(() -> closeNow(code, reason));
    }

    /** Closes on the calling thread (used at shutdown, where the caller waits anyway). */
    public void closeNow(int code, String reason) {
        State before = state.getAndUpdate(now -> now == State.CLOSED ? State.CLOSED : State.CLOSING);
        if (before == State.CLOSED) {
            return; // the lifecycle only moves forward: a closed session is not closing again
        }
        if (before == State.OPEN) {
            closing = new Closing(code, reason);
        }
        try {
            if (transport.isOpen()) {
                transport.close(code, reason);
            }
        } catch (RuntimeException e) {
            log.debug("Session {}: close with {} failed: {}", id(), code, e.toString());
        } finally {
            state.set(State.CLOSED);
        }
    }

    /** The container reported the connection closed. */
    public void closed() {
        state.set(State.CLOSED);
        clearQueue();
        Queue<Runnable> waiters = drainWaiters;
        if (waiters != null) {
            waiters.clear();
        }
    }

    private void clearQueue() {
        queue.clear();
    }
}
