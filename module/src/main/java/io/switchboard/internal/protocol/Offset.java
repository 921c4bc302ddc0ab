package io.switchboard.internal.protocol;

import java.util.Optional;

/**
 * A position in a channel's event stream: {@code <epoch>-<seq>}. {@code seq} grows by exactly one
 * per event. {@code epoch} changes whenever the Redis that holds the channel may have gone back
 * (restarted, failed over, lost the channel), so an offset is never handed out twice.
 *
 * <p><b>Epochs are ordered by time.</b> An epoch is 9 base-36 digits of the time it began (ms),
 * then 4 capital letters ({@link #epochAt}); a newer epoch compares greater, so an offset of an
 * older epoch is never taken for one that follows a newer one ({@link #isAfter}). A <em>marker</em>
 * ({@link #marker}) is the position of a channel that has no events yet, at a time: its letters are
 * {@value #MARKER_SUFFIX} and its seq 0. Epochs of any other form (letters and digits) sort first.
 */
public record Offset(String epoch, long seq) {
    private static final int MAX_EPOCH = 32;
    private static final int MAX_SEQ_DIGITS = 18;

    public Offset {
        if (!isEpoch(epoch) || seq < 0) {
            throw new IllegalArgumentException("invalid offset " + epoch + "-" + seq);
        }
    }

    /** 1 to 32 ASCII letters and digits; a loop, as offsets are made for every event. */
    private static boolean isEpoch(String epoch) {
        if (epoch == null || epoch.isEmpty() || epoch.length() > MAX_EPOCH) {
            return false;
        }
        for (int i = 0; i < epoch.length(); i++) {
            char c = epoch.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code <epoch>-<seq>}: 1 to 32 letters and digits, a dash, 1 to 18 decimal digits. A scan, not
     * a pattern: every event that arrives from Redis is parsed.
     */
    public static Optional<Offset> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int dash = text.indexOf('-');
        int digits = text.length() - dash - 1;
        if (dash < 1 || dash > MAX_EPOCH || digits < 1 || digits > MAX_SEQ_DIGITS) {
            return Optional.empty();
        }
        long seq = 0;
        for (int i = dash + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
            seq = seq * 10 + (c - '0'); // 18 digits never overflow a long
        }
        String epoch = text.substring(0, dash);
        return isEpoch(epoch) ? Optional.of(new Offset(epoch, seq)) : Optional.empty();
    }

    /** The suffix of a marker's epoch; never one of a real epoch ({@code bus.Epochs}). */
    public static final String MARKER_SUFFIX = "NONE";
    private static final int TIME_DIGITS = 9;
    private static final int SUFFIX_LETTERS = 4;

    /** The epoch that begins at {@code millis}, with {@code suffix} (4 capital letters). */
    public static String epochAt(long millis, String suffix) {
        String digits = Long.toString(millis, 36);
        return "0".repeat(Math.max(0, TIME_DIGITS - digits.length())) + digits + suffix;
    }

    /** The position of a channel with no events, as of {@code millis}. */
    public static Offset marker(long millis) {
        return new Offset(epochAt(millis, MARKER_SUFFIX), 0);
    }

    public boolean isMarker() {
        return seq == 0 && epoch.length() == TIME_DIGITS + SUFFIX_LETTERS && epoch.endsWith(MARKER_SUFFIX)
                && (epochTime(epoch) > 0 || epoch.startsWith("000000000"));
    }

    /** When {@code epoch} began (ms), or 0 for an epoch that is not of the timed form. */
    public static long epochTime(String epoch) {
        if (epoch.length() != TIME_DIGITS + SUFFIX_LETTERS) {
            return 0;
        }
        for (int i = TIME_DIGITS; i < epoch.length(); i++) {
            char c = epoch.charAt(i);
            if (c < 'A' || c > 'Z') {
                return 0;
            }
        }
        long time = 0;
        for (int i = 0; i < TIME_DIGITS; i++) {
            int digit = Character.digit(epoch.charAt(i), 36);
            if (digit < 0 || Character.isUpperCase(epoch.charAt(i))) {
                return 0;
            }
            time = time * 36 + digit;
        }
        return time;
    }

    /**
     * Whether this offset comes after {@code other}: a later seq of the same epoch, or a newer epoch
     * (an older epoch never comes after a newer one). Two epochs that began in the same millisecond
     * are ordered by seq, which puts a marker (seq 0) before the first event. Of two epochs that
     * have no time, the other one counts as after.
     */
    public boolean isAfter(Offset other) {
        if (epoch.equals(other.epoch)) {
            return seq > other.seq;
        }
        long mine = epochTime(epoch);
        long theirs = epochTime(other.epoch);
        if (mine == 0 && theirs == 0) {
            return true; // neither can be ordered: the other epoch wins, as it did before epochs had a time
        }
        return mine != theirs ? mine > theirs : seq > other.seq;
    }

    /** Whether this offset's epoch is older than {@code other}'s. */
    public boolean olderEpochThan(Offset other) {
        return !epoch.equals(other.epoch) && epochTime(epoch) < epochTime(other.epoch);
    }

    public boolean sameEpoch(Offset other) {
        return epoch.equals(other.epoch);
    }

    @Override
    public String toString() {
        return epoch + "-" + seq;
    }
}
