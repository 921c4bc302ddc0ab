package io.switchboard.internal.session;

import io.switchboard.internal.protocol.CloseCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The outbound side of one client connection: a bounded queue of frames drained by one
 * asynchronous send at a time to its {@link Transport} (a WebSocket, an SSE stream), and a close
 * that happens exactly once.
 *
 * <p><b>Threading.</b> {@link #send} may be called from any thread (bus threads, the connection's
 * own thread, timers) and never blocks: it enqueues and, if no send is in flight, starts one.
 * The transport's completion callback starts the next. At most one send is in flight, which is
 * what JSR-356 allows for a session and what an HTTP response can carry. The queue and the
 * in-flight state are guarded by {@code lock}, which is held only to move a frame in or out, never
 * while calling the transport.
 *
 * <p><b>Overflow policy.</b> When {@code maxQueued} frames, or {@code maxQueuedBytes} of them, wait,
 * the client is not keeping up: it is closed with 1013 (try again later) rather than buffering
 * without bound or slowing down the bus. The byte bound is what makes the queue's memory bounded
 * whatever the frame sizes (large events, long echoed {@code id}s); a single frame larger than it
 * is still accepted into an empty queue, so no frame is undeliverable. Frames are measured in
 * characters, which is their size on the wire and on the heap for the ASCII JSON the node writes.
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
    private final Transport.Completion onSent = this::onSent;
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    private final Liveness liveness = new Liveness();
    private volatile boolean overflowed;
    private volatile Queue<Runnable> drainWaiters; // created by the first replay that waits

    private final Object lock = new Object();
    private final ArrayDeque<String> queue = new ArrayDeque<>(8); // guarded by lock
    private volatile int queued; // queue.size(), written under lock, read anywhere
    private volatile long queuedBytes; // the characters of the frames in queue, written under lock, read anywhere
    private boolean sending; // guarded by lock: a send is in flight
    private boolean replayTurnTaken; // guarded by lock: a replay is reading its next page (see awaitReplayTurn)
    private long sendNumber; // guarded by lock: counts sends, so a caller knows whether "its" send is still the current one
    private Thread sendingThread; // guarded by lock: the thread that called send for the send in flight
    private boolean sendReturned; // guarded by lock: that send call has returned
    private boolean completedInline; // guarded by lock: its completion ran inside that call
    private volatile long sendStartedNanos; // 0 while no send is in flight
    private volatile long lastSendNanos = System.nanoTime(); // when the last send started
    private volatile int sentFrames;
    /** How this node closed the connection; null while it has not (the client may close it). */
    private volatile Closing closing;

    /**
     * @param transport the connection; its id is this session's id in the cluster (see {@link SessionIds})
     * @param closer    runs the blocking part of a close (the container writes the close frame), so
     *                  that a bus thread never waits on a client's socket
     */
    public ClientSession(Transport transport, int maxQueued, long maxQueuedBytes, Executor closer) {
        this.id = transport.id();
        this.transport = transport;
        this.maxQueued = maxQueued;
        this.maxQueuedBytes = maxQueuedBytes;
        this.closer = closer;
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

    /** Queues a frame and starts sending it. Never blocks. */
    public void send(String frame) {
        if (enqueue(frame)) {
            flush();
        }
    }

    /**
     * Queues a frame without writing: for callers that must keep frames in order under their own
     * lock and write ({@link #flush}) after releasing it. Closes the session with 1013 if its
     * queue is full, by frames or by bytes.
     *
     * @return whether the frame was queued
     */
    public boolean enqueue(String frame) {
        synchronized (lock) {
            if (state.get() != State.OPEN) {
                return false;
            }
            boolean bytesFit = queue.isEmpty() || queuedBytes + frame.length() <= maxQueuedBytes;
            if (queue.size() < maxQueued && bytesFit) {
                queue.add(frame);
                queued = queue.size();
                queuedBytes += frame.length();
                return true;
            }
        }
        overflowed = true;
        close(CloseCodes.TRY_AGAIN_LATER, "send queue full: the client is not reading fast enough");
        return false;
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
        return Math.max(1, maxQueued / 2 - queued);
    }

    /**
     * How many bytes of frames may be queued now while leaving half the byte budget to live
     * traffic: the byte bound of a replay's next page (at least one byte: a page always holds
     * at least one event).
     */
    public long replayByteRoom() {
        return Math.max(1, maxQueuedBytes / 2 - queuedBytes);
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
        return queued <= maxQueued / 4 && queuedBytes <= maxQueuedBytes / 4;
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
        String keepAlive = transport.keepAlive();
        if (keepAlive != null && queued == 0 && sendStartedNanos == 0 && System.nanoTime() - lastSendNanos > quietNanos) {
            send(keepAlive);
        }
    }

    /**
     * Whether the send in flight has been waiting for the container for more than {@code nanos}:
     * the client stopped reading and the socket's buffers are full.
     */
    public boolean sendStalledFor(long nanos) {
        long started = sendStartedNanos;
        return started != 0 && System.nanoTime() - started > nanos;
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
        return queued;
    }

    public long queuedBytes() {
        return queuedBytes;
    }

    public int sentFrames() {
        return sentFrames;
    }

    /** A close by this node: its code and reason. */
    public record Closing(int code, String reason) { }

    /** How this node closed the connection; empty if it has not (the client closed it, or the network). */
    public java.util.Optional<Closing> closing() {
        return java.util.Optional.ofNullable(closing);
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
        synchronized (lock) {
            queue.clear();
            queued = 0;
            queuedBytes = 0;
        }
    }

    /** Starts sends, then lets a waiting replay add its next page if the queue has drained. */
    private void pump() {
        startSends();
        runIfDrained();
    }

    /**
     * Starts sends until the queue is empty or a send is pending. A send whose completion the
     * transport reports on this same thread, before {@code send} returns, is continued by this
     * loop instead of by recursion, so a fast socket cannot grow the stack.
     */
    private void startSends() {
        while (true) {
            String frame;
            long mine;
            synchronized (lock) {
                if (sending || state.get() != State.OPEN || (frame = queue.poll()) == null) {
                    return;
                }
                queued = queue.size();
                queuedBytes -= frame.length();
                sending = true;
                mine = ++sendNumber;
                sendingThread = Thread.currentThread();
                sendReturned = false;
                completedInline = false;
                sendStartedNanos = lastSendNanos = System.nanoTime();
            }
            try {
                transport.send(frame, onSent);
            } catch (RuntimeException e) {
                sendEnded();
                failed(e);
                return;
            }
            synchronized (lock) {
                if (sendNumber != mine) {
                    return; // completed on another thread, which started the next send itself
                }
                sendReturned = true;
                if (!completedInline) {
                    return; // the completion, still to come, continues
                }
                sending = false;
            }
        }
    }

    /** The transport's completion of the send in flight; on Tomcat always on one of its threads. */
    private void onSent(Throwable error) {
        if (error != null) {
            sendEnded();
            failed(error);
            return;
        }
        sentFrames++; // only one send is in flight: no lost updates
        sendStartedNanos = 0;
        synchronized (lock) {
            if (!sendReturned && Thread.currentThread() == sendingThread) {
                completedInline = true; // the loop in startSends goes on
                return;
            }
            sending = false;
        }
        pump();
    }

    private void sendEnded() {
        sendStartedNanos = 0;
        synchronized (lock) {
            sending = false;
        }
    }

    private void failed(Throwable error) {
        log.debug("Session {}: send failed: {}", id(), error.toString());
        close(CloseCodes.GOING_AWAY, "send failed");
    }
}
