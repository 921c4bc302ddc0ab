package io.switchboard.it.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * Reads HTTP/1.1 responses from a connection, fed with the bytes as they arrive: one after the other (pipelined
 * requests are answered in order), each with its body framed by {@code Content-Length} or sent chunked (a
 * streaming response, e.g. {@code text/event-stream}), the body handed on as it comes.
 *
 * <p>Not thread-safe: one thread feeds it.
 */
final class HttpResponses {

    /** What the responses bring. */
    interface Listener {
        /** A response's status line and headers arrived. */
        void head(int status);

        /** Some bytes of the current response's body (decoded from chunks). */
        void body(byte[] bytes, int offset, int length);

        /** The current response ended; the next one may follow. */
        void complete();
    }

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK, CHUNK_END, TRAILER }

    private final Listener listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private State state = State.HEAD;
    private int status;
    private long contentLength;
    private boolean chunked;
    private long remaining;

    HttpResponses(Listener listener) {
        this.listener = listener;
    }

    void feed(byte[] bytes) {
        int i = 0;
        while (i < bytes.length) {
            switch (state) {
                case LENGTH, CHUNK -> {
                    int take = (int) Math.min(remaining, bytes.length - i);
                    listener.body(bytes, i, take);
                    i += take;
                    remaining -= take;
                    if (remaining == 0) {
                        if (state == State.LENGTH) {
                            done();
                        } else {
                            state = State.CHUNK_END;
                        }
                    }
                }
                default -> {
                    byte b = bytes[i++];
                    if (b != '\n') {
                        line.write(b);
                        continue;
                    }
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    line.reset();
                    lineRead(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
                }
            }
        }
    }

    private void lineRead(String text) {
        switch (state) {
            case HEAD -> {
                if (status == 0) {
                    status = Integer.parseInt(text.split(" ")[1]);
                    contentLength = 0;
                    chunked = false;
                } else if (!text.isEmpty()) {
                    String lower = text.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        contentLength = Long.parseLong(text.substring("content-length:".length()).trim());
                    } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    }
                } else {
                    listener.head(status);
                    if (chunked) {
                        state = State.CHUNK_SIZE;
                    } else if (contentLength > 0) {
                        remaining = contentLength;
                        state = State.LENGTH;
                    } else {
                        done();
                    }
                }
            }
            case CHUNK_SIZE -> {
                remaining = Long.parseLong(text.split(";")[0].trim(), 16);
                state = remaining == 0 ? State.TRAILER : State.CHUNK;
            }
            case CHUNK_END -> state = State.CHUNK_SIZE;
            case TRAILER -> {
                if (text.isEmpty()) {
                    done();
                }
            }
            default -> throw new IllegalStateException("a line in state " + state + ": " + Arrays.toString(text.getBytes()));
        }
    }

    private void done() {
        state = State.HEAD;
        status = 0;
        listener.complete();
    }
}
