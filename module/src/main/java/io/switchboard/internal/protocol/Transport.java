package io.switchboard.internal.protocol;

import java.util.Locale;

/**
 * How a client's frames travel. The value of the {@code transport} tag of the connection
 * metrics: a bounded set, named by the server, never by a client.
 */
public enum Transport {
    WEBSOCKET;

    /** The tag value: {@code websocket}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
