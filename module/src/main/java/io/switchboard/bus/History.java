package io.switchboard.bus;

import io.switchboard.protocol.Offset;

import java.util.List;

/**
 * What the history holds after a given offset.
 *
 * @param current   the topic's offset when the history was read
 * @param recovered whether {@code events} hold every event after the requested offset up to
 *                  {@code current} (false when the epoch changed or the history was trimmed)
 * @param events    the retained events after the requested offset, in order
 */
public record History(Offset current, boolean recovered, List<BusMessage> events) {

    /**
     * Whether {@code events} begin right after {@code since}, in its epoch, so that none is
     * missing between them: what lets a replay read in pages tell a page cut short by its
     * bounds (more follow) from one that skipped what the history no longer holds. An empty
     * page continues {@code since} only if that is the current offset.
     */
    public boolean continues(Offset since) {
        if (events.isEmpty()) {
            return since.equals(current);
        }
        Offset first = events.get(0).offset();
        return first.sameEpoch(since) && first.seq() == since.seq() + 1;
    }
}
