package io.switchboard.internal.session;

import io.switchboard.internal.protocol.OutboundFrame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One connection's bounded queue of frames and its one send in flight: {@link ClientSession}'s
 * sending machinery.
 *
 * <p><b>Threading.</b> {@link #add} and {@link #flush} may be called from any thread and never
 * block. The queue and the in-flight state are guarded by {@code lock}, held only to move frames
 * in or out, never while calling the transport. At most one send is in flight (what JSR-356
 * allows for a session and what an HTTP response can carry); the transport's completion starts
 * the next.
 *
 * <p><b>Batches.</b> When the transport {@link Transport#batches batches}, a send takes every
 * queued frame up to {@link #MAX_BATCH_CHARS} (at least one, whatever its size) in queue order: a
 * busy connection makes one write per turn of the socket instead of one per frame, and a quiet
 * one still sends each frame at once.
 *
 * <p><b>Write delay.</b> With a {@link WriteDelay}, a flush that finds no send in flight does
 * not write at once but asks the node's one delay timer to write later; frames queued meanwhile
 * go out in the same batch. Sends that follow a completed send are not delayed: a connection
 * that is busy is written to as fast as it drains. Nor is a flush that finds the queue half full
 * ({@link #halfFull}): a burst within the delay must not fill the queue and close a client that
 * reads fast enough, which no delay would have closed. The delayed write still due then writes
 * what is queued by its time, if no send is in flight (else the send's completion does).
 *
 * <p><b>Hold.</b> Between {@link #hold} and {@link #release} frames are queued (within the same
 * bounds) but nothing is sent; {@code release} starts the sends on its caller's thread (see
 * {@code ClientSession.sendFirstAfter}).
 */
final class SendQueue {
    /**
     * The most a batched send carries, in characters, separators included: 64 KiB on the wire for
     * ASCII text, up to three times that for text of other characters (see {@link OutboundFrame#length}).
     */
    static final int MAX_BATCH_CHARS = 64 * 1024;

    /** What the queue needs of its session. */
    interface Owner {
        /** Whether frames may still be queued and sent. */
        boolean isOpen();

        /** A send completed or frames left the queue: a waiting replay may go on. */
        void progressed();

        /** A send failed: the connection is gone. */
        void failed(Throwable error);
    }

    /** What {@link #add} did with a frame. */
    enum Added { QUEUED, FULL, CLOSED }

    private final Transport transport;
    private final int maxQueued;
    private final long maxQueuedBytes;
    private final int maxBatchChars; // 0: one frame per send
    private final WriteDelay delay; // null: write at once
    private final Owner owner;
    private final Transport.Completion onSent = this::onSent;
    private final Runnable delayedWrite = this::writeDelayed;

    private final Object lock = new Object();
    private final ArrayDeque<OutboundFrame> queue = new ArrayDeque<>(8); // guarded by lock
    private volatile int queued; // queue.size(), written under lock, read anywhere
    private volatile long queuedBytes; // the characters of the frames in queue, written under lock, read anywhere
    private boolean sending; // guarded by lock: a send is in flight
    private boolean delayed; // guarded by lock: a delayed write is due (at most one per session)
    private boolean held; // guarded by lock: frames are queued but not sent (see hold)
    private int inFlightFrames; // guarded by lock: the frames of the send in flight
    private long sendNumber; // guarded by lock: counts sends, so a caller knows whether "its" send is still the current one
    private Thread sendingThread; // guarded by lock: the thread that called send for the send in flight
    private boolean sendReturned; // guarded by lock: that send call has returned
    private boolean completedInline; // guarded by lock: its completion ran inside that call
    private volatile long sendStartedNanos; // 0 while no send is in flight
    private volatile long lastSendNanos = System.nanoTime(); // when the last send started
    private volatile int sentFrames;

    /** @param delay the node's write delay, or null to write at once */
    SendQueue(Transport transport, int maxQueued, long maxQueuedBytes, WriteDelay delay, Owner owner) {
        this.transport = transport;
        this.maxQueued = maxQueued;
        this.maxQueuedBytes = maxQueuedBytes;
        this.maxBatchChars = transport.batches() ? MAX_BATCH_CHARS : 0;
        this.delay = delay;
        this.owner = owner;
    }

    /**
     * Queues a frame unless the queue is full by frames or bytes ({@link Added#FULL}); a single
     * frame larger than the byte bound is still accepted into an empty queue.
     */
    Added add(OutboundFrame frame) {
        synchronized (lock) {
            if (!owner.isOpen()) {
                return Added.CLOSED;
            }
            boolean bytesFit = queue.isEmpty() || queuedBytes + frame.length() <= maxQueuedBytes;
            if (queue.size() >= maxQueued || !bytesFit) {
                return Added.FULL;
            }
            queue.add(frame);
            queued = queue.size();
            queuedBytes += frame.length();
            return Added.QUEUED;
        }
    }

    /**
     * Queues frames without sending them until {@link #release}: what is queued meanwhile (within
     * the queue's bounds) goes out after, in order.
     */
    void hold() {
        synchronized (lock) {
            held = true;
        }
    }

    /** Ends {@link #hold} and sends what was queued. Idempotent. */
    void release() {
        synchronized (lock) {
            if (!held) {
                return;
            }
            held = false;
        }
        startSends(false);
        owner.progressed();
    }

    /**
     * Starts writing queued frames if no send is in flight: after the write delay, if any, unless
     * the queue is half full. Never blocks.
     */
    void flush() {
        if (delay != null) {
            boolean later;
            synchronized (lock) {
                if (sending || held || queue.isEmpty() || !owner.isOpen()) {
                    return;
                }
                later = !halfFull();
                if (later) {
                    if (delayed) {
                        return; // the write due takes these frames too
                    }
                    delayed = true;
                }
            }
            if (later) {
                delay.later(delayedWrite);
                return;
            }
        }
        startSends(false);
    }

    /**
     * Whether at least half the queue is taken, by frames or by bytes: a caller writes now rather
     * than queue more first (see {@code ClientSession.roomToDefer}).
     */
    boolean halfFull() {
        return queued >= maxQueued / 2 || queuedBytes >= maxQueuedBytes / 2;
    }

    /** Drops what waits (the session is closing). */
    void clear() {
        synchronized (lock) {
            queue.clear();
            queued = 0;
            queuedBytes = 0;
        }
    }

    int queuedFrames() {
        return queued;
    }

    long queuedBytes() {
        return queuedBytes;
    }

    int sentFrames() {
        return sentFrames;
    }

    /** Whether nothing is queued and no send is in flight. */
    boolean idle() {
        return queued == 0 && sendStartedNanos == 0;
    }

    /** Nanoseconds since the last send started. */
    long quietNanos() {
        return System.nanoTime() - lastSendNanos;
    }

    /** Whether the send in flight has waited for the transport for more than {@code nanos}. */
    boolean stalledFor(long nanos) {
        long started = sendStartedNanos;
        return started != 0 && System.nanoTime() - started > nanos;
    }

    private void writeDelayed() {
        startSends(true);
        owner.progressed();
    }

    /**
     * Starts sends until the queue is empty or a send is pending. A send whose completion the
     * transport reports on this same thread, before {@code send} returns, is continued by this
     * loop instead of by recursion, so a fast socket cannot grow the stack.
     *
     * @param delayedTurn called by the delay timer: the delayed write this session waited for
     */
    private void startSends(boolean delayedTurn) {
        while (true) {
            List<OutboundFrame> frames;
            long mine;
            synchronized (lock) {
                if (delayedTurn) {
                    delayed = false; // under the same lock as the flush that would ask for the next one
                    delayedTurn = false;
                }
                // A delayed write still due does not hold this send back (a completion goes on, a half-full
                // queue writes now); when its turn comes it finds a send in flight or writes what is new.
                if (sending || held || !owner.isOpen() || queue.isEmpty()) {
                    return;
                }
                frames = take();
                sending = true;
                inFlightFrames = frames.size();
                mine = ++sendNumber;
                sendingThread = Thread.currentThread();
                sendReturned = false;
                completedInline = false;
                sendStartedNanos = lastSendNanos = System.nanoTime();
            }
            try {
                transport.send(frames, onSent);
            } catch (RuntimeException e) {
                sendEnded();
                owner.failed(e);
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

    /** Takes the next send's frames: one, or as many as fit in a batch. Under lock, queue not empty. */
    private List<OutboundFrame> take() {
        OutboundFrame first = queue.poll();
        long taken = first.length();
        List<OutboundFrame> frames;
        OutboundFrame next;
        if (maxBatchChars == 0 || (next = queue.peek()) == null || taken + 1 + next.length() > maxBatchChars) {
            frames = List.of(first);
        } else {
            List<OutboundFrame> batch = new ArrayList<>();
            batch.add(first);
            long chars = taken;
            while ((next = queue.peek()) != null && chars + 1 + next.length() <= maxBatchChars) {
                batch.add(queue.poll());
                chars += 1 + next.length();
                taken += next.length();
            }
            frames = Collections.unmodifiableList(batch);
        }
        queued = queue.size();
        queuedBytes -= taken;
        return frames;
    }

    /** The transport's completion of the send in flight; on Tomcat always on one of its threads. */
    private void onSent(Throwable error) {
        if (error != null) {
            sendEnded();
            owner.failed(error);
            return;
        }
        sendStartedNanos = 0;
        synchronized (lock) {
            sentFrames += inFlightFrames; // only one send is in flight: no lost updates
            if (!sendReturned && Thread.currentThread() == sendingThread) {
                completedInline = true; // the loop in startSends goes on
                return;
            }
            sending = false;
        }
        startSends(false);
        owner.progressed();
    }

    private void sendEnded() {
        sendStartedNanos = 0;
        synchronized (lock) {
            sending = false;
        }
    }
}
