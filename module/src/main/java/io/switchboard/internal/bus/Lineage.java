package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;

import java.util.ArrayList;
import java.util.List;

/**
 * A topic's line of offsets as the bus holds it now: the current epoch and seq, and the earlier
 * epochs that continued into it ({@link Link}s), each with the seq at which it ended here.
 *
 * <p>An epoch ends when the Redis holding the topic changed (restart, promoted replica): the next
 * epoch continues the sequence from what that Redis still had. An offset of an ended epoch is still
 * on the line if its seq is at most that end; past it, its holder saw events this Redis no longer
 * has. This record is the one place that places an offset on the line ({@link #place}); both buses
 * use it through {@link History#of}.
 *
 * @param epoch  the current epoch
 * @param seq    the last seq handed out
 * @param links  earlier epochs, oldest first (a bounded number: older ones are forgotten)
 * @param bornMs when seq 1 of this line was handed out (bus clock, ms)
 */
public record Lineage(String epoch, long seq, List<Link> links, long bornMs) {

    /**
     * An epoch that ended at {@code end} here.
     *
     * @param durable whether the Redis that wrote it acknowledged only writes that survive its
     *                restart (so nothing acknowledged was lost past {@code end})
     */
    public record Link(String epoch, long end, boolean durable) {
    }

    public Lineage {
        links = List.copyOf(links);
    }

    public Offset current() {
        return new Offset(epoch, seq);
    }

    /** Reads the links as the scripts keep them: {@code <epoch> <end> <durable 0|1> ...}, oldest first. */
    static List<Link> parseLinks(String text) {
        String[] tokens = text.trim().isEmpty() ? new String[0] : text.trim().split(" ");
        List<Link> links = new ArrayList<>(tokens.length / 3);
        for (int i = 0; i + 2 < tokens.length; i += 3) {
            links.add(new Link(tokens[i], Long.parseLong(tokens[i + 1]), "1".equals(tokens[i + 2])));
        }
        return links;
    }

    /**
     * Where {@code since} stands on this line.
     *
     * <ul>
     *   <li>An offset of the current epoch, or of a linked one up to its end, is on the line; the
     *       events after it follow its seq. It is {@code lossless} if every epoch change after it
     *       was durable.</li>
     *   <li>An offset of a linked epoch past its end is off the line (its holder saw events that are
     *       gone here); the events that are new to it follow that epoch's end.</li>
     *   <li>A marker is on the line before seq 1 if the line began after the marker was handed out,
     *       and less than {@code lineTtlMs} after: a line that began later may have followed another
     *       one that came and expired in between.</li>
     *   <li>Any other offset (an epoch forgotten or lost with Redis's data) cannot be placed.</li>
     * </ul>
     */
    public Placement place(Offset since, long lineTtlMs) {
        if (since.epoch().equals(epoch)) {
            return new Placement(Math.min(since.seq(), seq), since.seq() <= seq, true);
        }
        if (since.isMarker()) {
            long sinceMarker = bornMs - Offset.epochTime(since.epoch());
            boolean before = sinceMarker >= 0 && sinceMarker < lineTtlMs;
            return new Placement(0, before, before && durableFrom(0));
        }
        for (int i = links.size() - 1; i >= 0; i--) {
            Link link = links.get(i);
            if (link.epoch().equals(since.epoch())) {
                return new Placement(Math.min(since.seq(), link.end()), since.seq() <= link.end(), durableFrom(i));
            }
        }
        return Placement.NOWHERE;
    }

    private boolean durableFrom(int index) {
        for (int i = index; i < links.size(); i++) {
            if (!links.get(i).durable()) {
                return false;
            }
        }
        return true;
    }

    /**
     * An offset placed on a line.
     *
     * @param after    the seq of the line that the events new to the holder follow; -1 if it cannot be placed
     * @param onLine   whether the holder saw nothing the line no longer has
     * @param lossless whether no epoch change since then may have lost acknowledged events
     */
    public record Placement(long after, boolean onLine, boolean lossless) {
        public static final Placement NOWHERE = new Placement(-1, false, false);

        public boolean placed() {
            return after >= 0;
        }
    }
}
