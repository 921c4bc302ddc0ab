package io.switchboard.internal.web;

import io.switchboard.internal.protocol.ChannelNames;

import java.util.List;
import java.util.function.Function;

/**
 * What a WebSocket client asked for in its handshake's query: {@code ?batch=1} (one message may
 * carry several frames joined by {@code '\n'}) and {@code ?binary=1} (messages are binary, the
 * frames' UTF-8 bytes). A client that asks for neither gets one text message per frame, as
 * before. Any other value than {@code 1} is refused with 400 before the upgrade
 * ({@link HandshakeGuard}), as a bad token is: a client that misspells its wish learns it at once.
 */
record FrameOptions(boolean batch, boolean binary) {
    static final String BATCH = "batch";
    static final String BINARY = "binary";
    static final FrameOptions PLAIN = new FrameOptions(false, false);
    private static final FrameOptions BATCHED = new FrameOptions(true, false);
    private static final FrameOptions BINARY_ONLY = new FrameOptions(false, true);
    private static final FrameOptions BATCHED_BINARY = new FrameOptions(true, true);

    /**
     * The options in a handshake's query parameters ({@code parameters}: a name's values, or null).
     *
     * @throws IllegalArgumentException for a value other than {@code 1}, saying which
     */
    static FrameOptions of(Function<String, List<String>> parameters) {
        return of(flag(parameters, BATCH), flag(parameters, BINARY));
    }

    /** One of four shared values: every connection keeps its options. */
    static FrameOptions of(boolean batch, boolean binary) {
        return batch ? (binary ? BATCHED_BINARY : BATCHED) : (binary ? BINARY_ONLY : PLAIN);
    }

    /** Like {@link #of}, with a refused value read as absent (the handshake was refused before, by the guard). */
    static FrameOptions orPlain(Function<String, List<String>> parameters) {
        try {
            return of(parameters);
        } catch (IllegalArgumentException e) {
            return PLAIN;
        }
    }

    private static boolean flag(Function<String, List<String>> parameters, String name) {
        List<String> values = parameters.apply(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        for (String value : values) {
            if (!"1".equals(value)) {
                throw new IllegalArgumentException("'" + name + "' must be 1 (or absent), was " + ChannelNames.quote(value));
            }
        }
        return true;
    }
}
