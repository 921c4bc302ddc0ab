package io.switchboard.protocol;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in a channel's event stream: {@code <epoch>-<seq>}. {@code seq} grows by exactly one
 * per event; {@code epoch} changes when the channel's history was lost, so offsets of different
 * epochs are never compared by number.
 */
public record Offset(String epoch, long seq) {
    private static final Pattern FORMAT = Pattern.compile("([A-Za-z0-9]{1,32})-(\\d{1,18})");

    public Offset {
        if (!isEpoch(epoch) || seq < 0) {
            throw new IllegalArgumentException("invalid offset " + epoch + "-" + seq);
        }
    }

    /** 1 to 32 ASCII letters and digits; a loop, as offsets are made for every event. */
    private static boolean isEpoch(String epoch) {
        if (epoch == null || epoch.isEmpty() || epoch.length() > 32) {
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

    public static Optional<Offset> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher matcher = FORMAT.matcher(text);
        return matcher.matches()
                ? Optional.of(new Offset(matcher.group(1), Long.parseLong(matcher.group(2))))
                : Optional.empty();
    }

    public boolean sameEpoch(Offset other) {
        return epoch.equals(other.epoch);
    }

    @Override
    public String toString() {
        return epoch + "-" + seq;
    }
}
