package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;

import java.security.SecureRandom;

/**
 * The random part of new epochs and of other one-off tokens. An epoch's time part is Redis's clock
 * (or this JVM's, in-process); see {@link Offset#epochAt}.
 */
final class Epochs {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Epochs() {
    }

    /** Four capital letters, never {@link Offset#MARKER_SUFFIX}. */
    static String suffix() {
        while (true) {
            char[] letters = new char[4];
            for (int i = 0; i < letters.length; i++) {
                letters[i] = (char) ('A' + RANDOM.nextInt(26));
            }
            String suffix = new String(letters);
            if (!suffix.equals(Offset.MARKER_SUFFIX)) {
                return suffix;
            }
        }
    }

    /** A random token of letters and digits (probe and check messages). */
    static String next() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
}
