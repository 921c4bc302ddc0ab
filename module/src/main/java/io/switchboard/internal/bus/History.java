package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;

import java.util.List;
import java.util.Optional;

/**
 * What the history holds after a given offset.
 *
 * @param current   the topic's offset when the history was read; a marker ({@link Offset#marker})
 *                  when the topic has no events
 * @param recovered whether the history holds every event after the requested offset up to
 *                  {@code current} (this page and the ones after it), and nothing acknowledged
 *                  after it can have been lost
 * @param events    the retained events new to the requester, in order (a page: they may end
 *                  before {@code current})
 * @param placement where the requested offset stands on the topic's line; events follow
 *                  {@code placement.after()}
 */
public record History(Offset current, boolean recovered, List<BusMessage> events, Lineage.Placement placement) {

    public History {
        events = List.copyOf(events);
    }

    /**
     * The one rule for {@code recovered}, for both buses: the requested offset is on the line, no
     * epoch change since may have lost anything, and the history still holds the event right after
     * it (history is a contiguous run up to {@code current}, so then it holds all of them).
     *
     * @param lineage       the topic's line, or null when the topic has no events
     * @param now           the bus's clock (ms), for the marker of a topic with no events
     * @param busStarted    when the bus's store started (ms): a marker handed out before that may
     *                      have seen events that are gone with the store's data
     * @param lineTtlMs     how long a line outlives its last event: a marker older than that may
     *                      have missed a whole line that came and expired
     * @param firstRetained the seq of the oldest event history still holds
     */
    static History of(Optional<Offset> since, Lineage lineage, long now, long busStarted, long lineTtlMs,
                      long firstRetained, List<BusMessage> events) {
        if (lineage == null) {
            Offset marker = Offset.marker(now);
            if (since.isEmpty()) {
                return new History(marker, true, List.of(), new Lineage.Placement(0, true, true));
            }
            long handedOut = Offset.epochTime(since.get().epoch());
            boolean unchanged = since.get().isMarker() && busStarted < handedOut && now - handedOut < lineTtlMs;
            return new History(marker, unchanged, List.of(),
                    unchanged ? new Lineage.Placement(0, true, true) : Lineage.Placement.NOWHERE);
        }
        Offset current = lineage.current();
        if (since.isEmpty()) {
            return new History(current, true, List.of(), new Lineage.Placement(current.seq(), true, true));
        }
        Lineage.Placement placement = lineage.place(since.get(), lineTtlMs);
        if (!placement.placed()) {
            return new History(current, false, List.of(), placement);
        }
        boolean covered = firstRetained <= placement.after() + 1
                && (events.isEmpty() || events.get(0).offset().seq() == placement.after() + 1);
        return new History(current, placement.onLine() && placement.lossless() && covered, events, placement);
    }

    /** Whether the events start right after the placement: nothing between them and it is missing. */
    public boolean gapless() {
        return placement.placed() && (events.isEmpty()
                ? placement.after() >= current.seq()
                : events.get(0).offset().seq() == placement.after() + 1);
    }
}
