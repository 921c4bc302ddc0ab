package io.switchboard.internal.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.protocol.Json;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One container WebSocket session whose asynchronous sends complete only when the test says so
 * (a client that does not read), or at once ({@link #completeInline}): what a client receives,
 * in order, is {@link #written}.
 */
public final class ScriptedContainer {
    private final String id;
    private final List<String> written = new ArrayList<>(); // guarded by this
    private final List<SendHandler> pending = new ArrayList<>(); // guarded by this
    public volatile boolean completeInline;
    public volatile CloseReason closedWith;
    /** Runs inside every {@code sendText} call, after the frame is recorded: a test may block a write there. */
    public volatile Runnable duringSend = () -> { };

    public ScriptedContainer(String id) {
        this.id = id;
    }

    public Session session() {
        RemoteEndpoint.Async remote = (RemoteEndpoint.Async) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{RemoteEndpoint.Async.class}, (proxy, method, args) -> {
                    if (method.getName().equals("sendText") && args.length == 2) {
                        SendHandler handler = (SendHandler) args[1];
                        synchronized (this) {
                            written.add((String) args[0]);
                        }
                        duringSend.run();
                        synchronized (this) {
                            if (!completeInline) {
                                pending.add(handler);
                                return null;
                            }
                        }
                        handler.onResult(new SendResult((Session) null));
                    }
                    return null;
                });
        Map<String, Object> properties = new HashMap<>();
        return (Session) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getAsyncRemote" -> remote;
                    case "getId" -> id;
                    case "isOpen" -> closedWith == null;
                    case "getUserProperties" -> properties;
                    case "close" -> {
                        closedWith = args == null ? new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "") : (CloseReason) args[0];
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "session " + id;
                    default -> throw new IOException("not scripted: " + method.getName());
                });
    }

    /** Completes the oldest pending send, as the container would once the client read it; false if none is pending. */
    public boolean completeOne() {
        SendHandler handler;
        synchronized (this) {
            if (pending.isEmpty()) {
                return false;
            }
            handler = pending.remove(0);
        }
        handler.onResult(new SendResult((Session) null));
        return true;
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
