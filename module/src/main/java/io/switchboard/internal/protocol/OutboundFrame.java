package io.switchboard.internal.protocol;

import java.nio.charset.StandardCharsets;

/**
 * One frame for clients, immutable: its JSON text and, computed the first time a binary
 * connection asks for it, its UTF-8 bytes. An event's frame is made once per node and this same
 * instance goes to every local subscriber, so its bytes are encoded once per node, not once per
 * session.
 *
 * <p><b>Threading.</b> Safe to share. The bytes are cached without a lock: two threads may both
 * encode the first time and one equal result wins, which is harmless. The field is volatile so
 * that a thread seeing the array also sees it filled (a plain field would publish the reference
 * without its contents). Callers never modify the array.
 */
public final class OutboundFrame {
    private final String text;
    private volatile byte[] utf8; // racy single-check cache, see the class comment

    private OutboundFrame(String text) {
        this.text = text;
    }

    /** A frame carrying {@code text} (a JSON object, with no line break). */
    public static OutboundFrame of(String text) {
        if (text == null) {
            throw new IllegalArgumentException("a frame needs text");
        }
        return new OutboundFrame(text);
    }

    public String text() {
        return text;
    }

    /**
     * Its size as the queues count it: characters. That is its size on the wire for ASCII text; event
     * data with other characters takes up to three bytes each in UTF-8, so byte bounds counted in
     * characters hold within that factor.
     */
    public int length() {
        return text.length();
    }

    /** The text as UTF-8, encoded once; shared, so never to be modified. */
    public byte[] utf8() {
        byte[] bytes = utf8;
        if (bytes == null) {
            bytes = text.getBytes(StandardCharsets.UTF_8);
            utf8 = bytes;
        }
        return bytes;
    }

    @Override
    public String toString() {
        return text;
    }
}
