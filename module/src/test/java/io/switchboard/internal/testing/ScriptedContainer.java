package io.switchboard.internal.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.session.Transport;
import io.switchboard.testkit.Await;
import jakarta.websocket.CloseReason;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection whose asynchronous sends complete only when the test says so
 * (a client that does not read), or at once ({@link #completeInline}): what a client receives,
 * in order, is {@link #written}.
 */
public final class ScriptedContainer {
    private final String id;
    private final List<String> written = new ArrayList<>(); // guarded by this
    private final List<Transport.Completion> pending = new ArrayList<>(); // guarded by this
    public volatile boolean completeInline;
    public volatile CloseReason closedWith;
    /** Runs inside every {@code sendText} call, after the frame is recorded: a test may block a write there. */
    public volatile Runnable duringSend = () -> { };

    public ScriptedContainer(String id) {
        this.id = id;
    }

    /** The connection as the session sees it: its sends are recorded and complete as scripted. */
    public Transport transport() {
        return new Transport() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public String kind() {
                return "websocket"; // scripts what a WebSocket container does
            }

            @Override
            public void send(List<OutboundFrame> frames, Completion done) {
                synchronized (ScriptedContainer.this) {
                    frames.forEach(frame -> written.add(frame.text()));
                }
                duringSend.run();
                synchronized (ScriptedContainer.this) {
                    if (!completeInline) {
                        pending.add(done);
                        return;
                    }
                }
                done.sent(null);
            }

            @Override
            public boolean isOpen() {
                return closedWith == null;
            }

            @Override
            public void close(int code, String reason) {
                closedWith = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
            }

            @Override
            public String toString() {
                return "session " + id;
            }
        };
    }

    /** Completes the oldest pending send, as the container would once the client read it; false if none is pending. */
    public boolean completeOne() {
        Transport.Completion handler;
        synchronized (this) {
            if (pending.isEmpty()) {
                return false;
            }
            handler = pending.remove(0);
        }
        handler.sent(null);
        return true;
    }

    /** The close code, once the session (or a node's closer thread) has closed the connection. */
    public int awaitCloseCode() {
        Await.until("the connection closed", () -> closedWith != null);
        return closedWith.getCloseCode().getCode();
    }

    /**
     * Waits until the session's {@code welcome} was written: a user's waits for the user's topic to
     * be live, and until then nothing else is written either.
     */
    public void awaitWelcome() {
        Await.until("welcome", () -> written().stream().anyMatch(frame -> "welcome".equals(frame.path("op").asText())));
    }

    /** From now on completes every send at once, including the one pending. */
    public void readEverything() {
        completeInline = true;
        while (completeOne()) {
            Thread.onSpinWait();
        }
    }

    public synchronized List<JsonNode> written() {
        List<JsonNode> frames = new ArrayList<>(written.size());
        for (String frame : written) {
            try {
                frames.add(Json.MAPPER.readTree(frame));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return frames;
    }
}
