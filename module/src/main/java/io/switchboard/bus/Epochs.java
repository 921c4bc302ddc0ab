package io.switchboard.bus;

import java.security.SecureRandom;

/** New epochs: short random tokens of letters and digits. */
final class Epochs {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Epochs() {
    }

    static String next() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
}
