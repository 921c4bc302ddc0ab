package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Just enough JSON reading for the hot path: a received event is not parsed, its {@code "p"}, {@code "seq"}
 * and {@code "t"} numbers are found by scanning the frame's bytes. The generator writes them in that order
 * at the start of the event's data, and both servers keep the data's field order.
 */
public final class Scan {
    static final byte[] PHASE = bytes("\"p\":");
    static final byte[] SEQ = bytes("\"seq\":");
    static final byte[] TIME = bytes("\"t\":");

    private Scan() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code buf} (from its reader index) starts with {@code prefix}. */
    static boolean startsWith(ByteBuf buf, byte[] prefix) {
        int start = buf.readerIndex();
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(start + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Index of {@code pattern} in {@code buf} at or after {@code from}, or -1. */
    static int indexOf(ByteBuf buf, byte[] pattern, int from) {
        int end = buf.writerIndex() - pattern.length;
        byte first = pattern[0];
        outer:
        for (int i = Math.max(from, buf.readerIndex()); i <= end; i++) {
            if (buf.getByte(i) != first) {
                continue;
            }
            for (int j = 1; j < pattern.length; j++) {
                if (buf.getByte(i + j) != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Index of the first {@code '\n'} in {@code buf} at or after {@code from} (before its writer index), or -1. */
    static int indexOfNewline(ByteBuf buf, int from) {
        int start = Math.max(from, buf.readerIndex());
        if (start >= buf.writerIndex()) {
            return -1;
        }
        return buf.indexOf(start, buf.writerIndex(), (byte) '\n');
    }

    /**
     * The event's numbers: {@code out[0]} = phase, {@code out[1]} = seq, {@code out[2]} = timestamp.
     * Returns false if the frame does not carry them.
     */
    static boolean eventNumbers(ByteBuf buf, int from, long[] out) {
        int at = indexOf(buf, PHASE, from);
        if (at < 0) {
            return false;
        }
        at += PHASE.length;
        long phase = number(buf, at);
        at = indexOf(buf, SEQ, at);
        if (at < 0) {
            return false;
        }
        at += SEQ.length;
        long seq = number(buf, at);
        at = indexOf(buf, TIME, at);
        if (at < 0) {
            return false;
        }
        long time = number(buf, at + TIME.length);
        if (phase < 0 || seq < 0 || time < 0) {
            return false;
        }
        out[0] = phase;
        out[1] = seq;
        out[2] = time;
        return true;
    }

    /** The non-negative decimal at {@code at}, or -1 if there is none. */
    static long number(ByteBuf buf, int at) {
        long value = 0;
        int digits = 0;
        for (int i = at; i < buf.writerIndex(); i++) {
            byte b = buf.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            value = value * 10 + (b - '0');
            digits++;
        }
        return digits == 0 ? -1 : value;
    }
}
