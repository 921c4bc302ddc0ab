package io.switchboard.bench.load;

/**
 * The generator's clock: microseconds on {@link System#nanoTime()} from a fixed origin. Publisher and
 * clients are one process, so an event's payload timestamp and its arrival are read from the same clock.
 */
public final class Clock {
    /** A day before this class loaded, so that no reading (also of a moment just before) is negative. */
    private static final long ORIGIN = System.nanoTime() - 86_400_000_000_000L;

    private Clock() {
    }

    public static long micros() {
        return (System.nanoTime() - ORIGIN) / 1_000;
    }

    /** The clock reading in microseconds of a {@link System#nanoTime()} value. */
    public static long micros(long nanoTime) {
        return (nanoTime - ORIGIN) / 1_000;
    }
}
