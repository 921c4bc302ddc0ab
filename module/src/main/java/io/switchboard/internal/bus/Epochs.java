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
            // One draw for the four letters: every history read and publish asks for a suffix, and each
            // draw from the shared generator takes its lock.
            int draw = RANDOM.nextInt(26 * 26 * 26 * 26);
            char[] letters = new char[4];
            for (int i = 0; i < letters.length; i++) {
                letters[i] = (char) ('A' + draw % 26);
                draw /= 26;
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
