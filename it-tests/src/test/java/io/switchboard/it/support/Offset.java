package io.switchboard.it.support;

/**
 * A channel offset {@code <epoch>-<seq>} read apart: tests check that sequences are contiguous and
 * epochs stable, which browsers never do (to them an offset is opaque).
 */
public record Offset(String epoch, long seq) {

    /** Parses {@code E-5}; fails with the text if it is not an offset. */
    public static Offset parse(String text) {
        int dash = text == null ? -1 : text.lastIndexOf('-');
        if (dash <= 0 || !text.substring(0, dash).matches("[A-Za-z0-9]+")) {
            throw new AssertionError("not an offset <epoch>-<seq>: " + text);
        }
        try {
            return new Offset(text.substring(0, dash), Long.parseLong(text.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new AssertionError("not an offset <epoch>-<seq>: " + text, e);
        }
    }

    @Override
    public String toString() {
        return epoch + "-" + seq;
    }
}
