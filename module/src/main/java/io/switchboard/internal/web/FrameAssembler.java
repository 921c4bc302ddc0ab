package io.switchboard.internal.web;

import io.switchboard.internal.session.Connection;
import io.switchboard.internal.protocol.CloseCodes;

import java.nio.ByteBuffer;

/**
 * Puts together messages the container delivers in parts and enforces the inbound frame limit
 * ({@code max-frame}, in UTF-8 bytes): a message over it closes the connection with 1009.
 *
 * <p>Called by the container on the connection's thread, one part at a time (JSR-356), so it
 * needs no lock. Most messages arrive in one part and are passed on without copying.
 */
final class FrameAssembler {
    private final Connection connection;
    private final int maxBytes;
    private StringBuilder text; // parts of a text message so far, or null
    private long textBytes;
    private long binaryBytes;
    private boolean closed;

    FrameAssembler(Connection connection, int maxBytes) {
        this.connection = connection;
        this.maxBytes = maxBytes;
    }

    void text(String part, boolean last) {
        if (closed) {
            return;
        }
        textBytes += utf8Length(part);
        if (textBytes > maxBytes) {
            tooLarge();
            return;
        }
        if (last && text == null) {
            textBytes = 0;
            connection.onText(part);
            return;
        }
        if (text == null) {
            text = new StringBuilder(part.length() * 2);
        }
        text.append(part);
        if (last) {
            String message = text.toString();
            text = null;
            textBytes = 0;
            connection.onText(message);
        }
    }

    void binary(ByteBuffer part, boolean last) {
        if (closed) {
            return;
        }
        binaryBytes += part.remaining();
        if (binaryBytes > maxBytes) {
            tooLarge();
            return;
        }
        if (last) {
            binaryBytes = 0;
            connection.onBinary();
        }
    }

    private void tooLarge() {
        closed = true;
        text = null;
        connection.session().close(CloseCodes.TOO_LARGE, "frame over " + maxBytes + " bytes");
    }

    private static long utf8Length(String value) {
        long bytes = value.length();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= 0x80) {
                // 2 bytes up to U+07FF, 3 for the rest of the BMP; a surrogate pair (4 bytes) counts 2 + 2.
                bytes += c < 0x800 ? 1 : (Character.isSurrogate(c) ? 1 : 2);
            }
        }
        return bytes;
    }
}
