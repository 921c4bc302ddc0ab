package io.switchboard.internal.web;

import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.session.Transport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Server-Sent Events response as a {@link Transport}: each frame is written as an SSE message
 * ({@code data: <json>} and a blank line), the keep-alive as a comment line, the close as a
 * {@code close} frame followed by the end of the response. It {@link #batches batches} without
 * being asked: several frames go out as several SSE messages in one write and one flush, which
 * every SSE client reads as it reads them one by one.
 *
 * <p><b>Writes never block.</b> The response is in the servlet's non-blocking mode: a frame is
 * written, then flushed, each step only while {@link ServletOutputStream#isReady()} says so; when
 * it says no, the container calls {@link #onWritePossible} once the socket drained, and the step
 * goes on there. The frame's completion runs once its bytes were handed to the network, so the
 * session's bounded queue (not this stream) holds whatever a slow client has not read.
 *
 * <p><b>Threads.</b> Sends come from any thread (bus threads, the node's timer), never two at once
 * (the transport contract); {@code onWritePossible} from the container's. Exactly one thread at a
 * time, the owner, touches the output stream: the state below decides who under {@code lock}, and
 * the I/O runs outside it (a container may hold its socket's lock while calling us). A
 * {@code onWritePossible} that arrives while another thread owns the stream leaves a note
 * ({@code retry}) that makes the owner look again before it lets go, so no wake-up is lost.
 *
 * <p>Nothing is written before {@link #start}: the servlet first registers the session, so that
 * no request can name a session that its {@code welcome} announced and no node knows yet.
 */
final class SseStream implements Transport, WriteListener {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);
    /** Compared by identity: the session hands back {@link #keepAlive()} as it got it. */
    private static final OutboundFrame KEEP_ALIVE = OutboundFrame.of(": keep-alive");
    private static final byte[] KEEP_ALIVE_BYTES = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    /** How long a close waits for its frame to reach a client before the response is ended regardless. */
    private static final long CLOSE_WAIT_MILLIS = 5_000;

    private enum Step { WRITE, FLUSH, DONE }

    private final String id;
    private final String secret;
    private final AsyncContext async;
    private final ServletOutputStream out;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    /** Serializes the requests handed to this session (see {@link SseSessions#deliver}). */
    final Object inbound = new Object();

    private final Object lock = new Object();
    /** The close code the server ended the stream with; 1006 (no close frame) when the client left first. */
    private volatile int closedWith = 1006;
    private byte[] pending;          // guarded by lock: the frame being written, or null
    private Completion pendingDone;  // guarded by lock: its completion (null for the close frame)
    private Step step;               // guarded by lock: how far the pending frame got
    private byte[] closeFrame;       // guarded by lock: to write once nothing is pending, then end
    private boolean closeRequested;  // guarded by lock
    private boolean lastFrame;       // guarded by lock: the pending frame is the close frame
    private boolean started;         // guarded by lock: see start()
    private boolean owned;           // guarded by lock: a thread is in writeLoop
    private boolean retry;           // guarded by lock: onWritePossible came while owned
    private boolean finished;        // guarded by lock: the response was ended (or failed)

    SseStream(String id, String secret, AsyncContext async, ServletOutputStream out) {
        this.id = id;
        this.secret = secret;
        this.async = async;
        this.out = out;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "sse";
    }

    @Override
    public String secret() {
        return secret;
    }

    @Override
    public OutboundFrame keepAlive() {
        return KEEP_ALIVE;
    }

    @Override
    public boolean batches() {
        return true;
    }

    /** Completes when the response has ended, for whatever reason. */
    CompletionStage<Void> ended() {
        return ended;
    }

    /** Lets the stream write: what was sent meanwhile (the welcome) goes out now. */
    void start() {
        synchronized (lock) {
            started = true;
            if (owned) {
                return;
            }
            owned = true;
        }
        writeLoop();
    }

    @Override
    public void send(List<OutboundFrame> frames, Completion done) {
        byte[] bytes = messages(frames);
        synchronized (lock) {
            if (!finished && !closeRequested) {
                pending = bytes;
                pendingDone = done;
                step = Step.WRITE;
                if (owned || !started) {
                    return; // the owner's loop (or start) writes it
                }
                owned = true;
                bytes = null;
            }
        }
        if (bytes != null) {
            done.sent(new IOException("the event stream has ended"));
            return;
        }
        writeLoop();
    }

    @Override
    public boolean isOpen() {
        synchronized (lock) {
            return !finished && !closeRequested;
        }
    }

    /**
     * Writes the {@code close} frame after the frame in flight, ends the response, and waits (a
     * while) until it has ended: at shutdown the caller waits for every close it started.
     */
    /** How the stream ended, as a WebSocket close code, for the node's figures. */
    public int closeCode() {
        return closedWith;
    }

    @Override
    public void close(int code, String reason) {
        boolean write;
        synchronized (lock) {
            if (finished || closeRequested) {
                write = false;
            } else {
                closeRequested = true;
                closedWith = code;
                closeFrame = message(Frames.close(code, reason));
                write = started && !owned;
                owned |= write;
            }
        }
        if (write) {
            writeLoop();
        }
        try {
            ended.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.debug("SSE session {}: the close frame did not reach the client within {} ms", id, CLOSE_WAIT_MILLIS);
            finish();
        } catch (ExecutionException e) {
            // ended cannot fail
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finish();
        }
    }

    // ---- the container's callbacks -------------------------------------------------------------

    @Override
    public void onWritePossible() {
        synchronized (lock) {
            if (owned) {
                retry = true;
                return;
            }
            owned = true;
        }
        writeLoop();
    }

    @Override
    public void onError(Throwable error) {
        failed(error);
    }

    /** The response ended ({@link SseStreamEnd#onComplete}), whoever ended it. */
    void completed() {
        Completion abandoned;
        synchronized (lock) {
            finished = true;
            abandoned = pendingDone;
            pending = null;
            pendingDone = null;
        }
        if (abandoned != null) {
            abandoned.sent(new IOException("the event stream ended"));
        }
        ended.complete(null);
    }

    // ---- writing ---------------------------------------------------------------------------------

    /** Runs while this thread owns the output stream; lets go when nothing is left or the socket is full. */
    private void writeLoop() {
        while (true) {
            byte[] bytes;
            Step now;
            synchronized (lock) {
                if (!finished && started && pending == null && closeFrame != null) {
                    pending = closeFrame;
                    closeFrame = null;
                    pendingDone = null;
                    lastFrame = true;
                    step = Step.WRITE;
                }
                if (finished || pending == null || !started) {
                    owned = false;
                    return;
                }
                bytes = pending;
                now = step;
                retry = false;
            }
            try {
                if (!out.isReady()) {
                    synchronized (lock) {
                        if (!retry) {
                            owned = false; // onWritePossible will come
                            return;
                        }
                    }
                    continue;
                }
                switch (now) {
                    case WRITE -> {
                        out.write(bytes);
                        advance(Step.FLUSH);
                    }
                    case FLUSH -> {
                        out.flush();
                        advance(Step.DONE);
                    }
                    case DONE -> written();
                }
            } catch (IOException | RuntimeException e) {
                synchronized (lock) {
                    owned = false;
                }
                failed(e);
                return;
            }
        }
    }

    private void advance(Step next) {
        synchronized (lock) {
            step = next;
        }
    }

    /** The pending frame reached the network: complete it (outside the lock), or end after the close frame. */
    private void written() {
        Completion done;
        boolean last;
        synchronized (lock) {
            done = pendingDone;
            last = lastFrame;
            pending = null;
            pendingDone = null;
        }
        if (last) {
            finish();
        } else if (done != null) {
            done.sent(null); // may call send again, from here: this loop writes that frame next
        }
    }

    /** The container reports the request failed or timed out: the stream ends. */
    void failed(Throwable error) {
        log.debug("SSE session {}: the stream failed: {}", id, String.valueOf(error));
        finish();
    }

    /** Ends the response once; the container then reports it complete ({@link #completed}). */
    void finish() {
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
        }
        try {
            async.complete();
        } catch (IllegalStateException e) {
            log.debug("SSE session {}: already ended: {}", id, e.toString());
            completed();
        }
    }

    /** One SSE message whose data is {@code frame}: the node's JSON never holds a line break. */
    private static byte[] message(String frame) {
        return ("data: " + frame + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One SSE message per frame (the keep-alive as its comment), in order, as one array. */
    private static byte[] messages(List<OutboundFrame> frames) {
        if (frames.size() == 1) {
            OutboundFrame frame = frames.get(0);
            return frame == KEEP_ALIVE ? KEEP_ALIVE_BYTES : message(frame.text());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (OutboundFrame frame : frames) {
            if (frame == KEEP_ALIVE) {
                out.writeBytes(KEEP_ALIVE_BYTES);
            } else {
                out.writeBytes(DATA);
                out.writeBytes(frame.utf8());
                out.writeBytes(END);
            }
        }
        return out.toByteArray();
    }
}
