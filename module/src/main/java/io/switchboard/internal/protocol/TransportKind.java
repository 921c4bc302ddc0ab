package io.switchboard.internal.protocol;

import java.util.Locale;

/**
 * How a client's frames travel. The value of the {@code transport} tag of the connection
 * metrics: a bounded set, named by the server, never by a client.
 */
public enum TransportKind {
    WEBSOCKET, SSE;

    /** The kind a transport names itself ({@code websocket}, {@code sse}). */
    public static TransportKind of(String name) {
        for (TransportKind kind : values()) {
            if (kind.tag().equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("no transport kind " + name);
    }

    /** The tag value: {@code websocket}, {@code sse}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
