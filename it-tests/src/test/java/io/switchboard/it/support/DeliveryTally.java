package io.switchboard.it.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one or more subscribers received, measured against what they are owed.
 *
 * <ul>
 *   <li>{@code expected}: acknowledged events (a publish answered with an offset) the subscriber is owed;</li>
 *   <li>{@code delivered}: how many of those arrived at least once (by the event's unique {@code n} where
 *       the caller gives it, else by offset);</li>
 *   <li>{@code lostAndTold}: owed, never arrived, and the subscriber was told: a {@code subscribed} frame with
 *       {@code recovered:false} (a reply, or unsolicited on a connection that stayed open) at the point of its
 *       stream where the event would have been, i.e. between the last event it received before the missing
 *       one's offset and the first it received after it;</li>
 *   <li>{@code lostSilently}: owed, never arrived, and no such notice: the subscriber cannot know;</li>
 *   <li>{@code duplicated}: frames carrying an event (same {@code n}; without one, same offset) the subscriber
 *       had already received. The same sequence number under two epochs is not a duplicate;</li>
 *   <li>{@code outOfOrder}: frames arriving after a later one of the same channel (offsets ordered by
 *       {@link EpochOrder}: an older epoch after a newer one, or a lower sequence number of the same epoch).</li>
 * </ul>
 * Counted on the raw frames, across all of a subscriber's connections (client-side de-duplication by offset,
 * which client.js does at a reconnect seam, would hide duplicates and turn late events into losses).
 */
public record DeliveryTally(long expected, long delivered, long lostAndTold, long lostSilently, long duplicated,
                            long outOfOrder, List<String> examples) {

    /** An event a subscriber is owed: its unique {@code n} (-1: match by offset only) and the offset it was acknowledged with. */
    public record Owed(long n, String offset) {
    }

    private static final int MAX_EXAMPLES = 6;

    public static DeliveryTally none() {
        return new DeliveryTally(0, 0, 0, 0, 0, 0, List.of());
    }

    /** Owed by offset: {@code expectedOffsets} must arrive, epochs ordered as the stream first showed them. */
    public static DeliveryTally of(String who, Collection<String> expectedOffsets, ReconnectingClient.Stream stream) {
        List<Owed> owed = expectedOffsets.stream().map(offset -> new Owed(-1, offset)).toList();
        return of(who, owed, stream, new EpochOrder().add(stream));
    }

    /**
     * @param owed   what this subscriber is owed
     * @param stream what it received on the channel
     * @param order  how offsets compare (epochs by time)
     */
    public static DeliveryTally of(String who, Collection<Owed> owed, ReconnectingClient.Stream stream, EpochOrder order) {
        Set<String> seenOffsets = new HashSet<>();
        Set<Long> seenN = new HashSet<>();
        List<ReconnectingClient.Received> firsts = new ArrayList<>();
        List<String> examples = new ArrayList<>();
        long duplicated = 0;
        long outOfOrder = 0;
        Offset highest = null;
        for (ReconnectingClient.Received frame : stream.frames()) {
            boolean again = frame.n() >= 0 ? !seenN.add(frame.n()) : seenOffsets.contains(frame.offset());
            seenOffsets.add(frame.offset());
            if (again) {
                duplicated++;
                example(examples, who + ": duplicate " + frame.offset() + " (n=" + frame.n() + ") on connection "
                        + frame.connection());
                continue;
            }
            firsts.add(frame);
            Offset offset = Offset.parse(frame.offset());
            if (highest != null && order.compare(offset, highest) < 0) {
                outOfOrder++;
                example(examples, who + ": " + offset + " (n=" + frame.n() + ") arrived after " + highest);
            } else {
                highest = offset;
            }
        }
        List<ReconnectingClient.Received> byOffset = new ArrayList<>(firsts);
        Comparator<ReconnectingClient.Received> offsetOrder = (a, b) -> order.compare(Offset.parse(a.offset()), Offset.parse(b.offset()));
        byOffset.sort(offsetOrder.thenComparingInt(ReconnectingClient.Received::index));
        List<Offset> sortedOffsets = byOffset.stream().map(r -> Offset.parse(r.offset())).toList();

        long delivered = 0;
        List<String> told = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (Owed event : owed) {
            boolean arrived = event.n() >= 0 ? seenN.contains(event.n()) : seenOffsets.contains(event.offset());
            if (arrived) {
                delivered++;
            } else if (toldAbout(Offset.parse(event.offset()), sortedOffsets, byOffset, stream.notices(), order)) {
                told.add(event.offset() + (event.n() >= 0 ? " (n=" + event.n() + ")" : ""));
            } else {
                silent.add(event.offset() + (event.n() >= 0 ? " (n=" + event.n() + ")" : ""));
            }
        }
        if (!silent.isEmpty()) {
            example(examples, who + ": LOST SILENTLY " + silent.size() + " acknowledged event(s), e.g. "
                    + silent.subList(0, Math.min(8, silent.size())));
        }
        if (!told.isEmpty()) {
            example(examples, who + ": lost and told " + told.size() + ", e.g. " + told.subList(0, Math.min(4, told.size())));
        }
        return new DeliveryTally(owed.size(), delivered, told.size(), silent.size(), duplicated, outOfOrder, examples);
    }

    /**
     * Whether a {@code recovered:false} notice speaks for the place of {@code missing} in the stream: the last
     * event received below it arrived before the notice, and the first received above it after the notice's
     * request was sent (a reply follows what it replayed).
     */
    private static boolean toldAbout(Offset missing, List<Offset> sortedOffsets, List<ReconnectingClient.Received> byOffset,
                                     List<ReconnectingClient.Notice> notices, EpochOrder order) {
        int below = lastBelow(missing, sortedOffsets, order);
        int above = below + 1;
        while (above < sortedOffsets.size() && order.compare(sortedOffsets.get(above), missing) <= 0) {
            above++;
        }
        int before = below < 0 ? -1 : byOffset.get(below).index();
        int after = above >= byOffset.size() ? Integer.MAX_VALUE : byOffset.get(above).index();
        for (ReconnectingClient.Notice notice : notices) {
            if (!notice.recovered() && notice.to() > before && notice.from() <= after) {
                return true;
            }
        }
        return false;
    }

    /** The index of the greatest offset below {@code missing} in {@code sorted}, or -1. */
    private static int lastBelow(Offset missing, List<Offset> sorted, EpochOrder order) {
        int low = 0;
        int high = sorted.size() - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (order.compare(sorted.get(mid), missing) < 0) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    /**
     * Offsets handed out for two different events: every offset a publish of {@code acknowledged} was answered
     * with and every frame the {@code streams} received, grouped by offset; an offset carrying two or more
     * different {@code n} counts once.
     */
    public static Reuse offsetsReused(Map<Long, String> acknowledged, Collection<ReconnectingClient.Stream> streams) {
        Map<String, Set<Long>> events = new HashMap<>();
        acknowledged.forEach((n, offset) -> events.computeIfAbsent(offset, ignored -> new HashSet<>()).add(n));
        for (ReconnectingClient.Stream stream : streams) {
            for (ReconnectingClient.Received frame : stream.frames()) {
                if (frame.n() >= 0) {
                    events.computeIfAbsent(frame.offset(), ignored -> new HashSet<>()).add(frame.n());
                }
            }
        }
        List<String> examples = new ArrayList<>();
        long reused = 0;
        for (Map.Entry<String, Set<Long>> entry : events.entrySet()) {
            if (entry.getValue().size() > 1) {
                reused++;
                example(examples, entry.getKey() + " for n=" + entry.getValue());
            }
        }
        return new Reuse(reused, examples);
    }

    /** How many offsets were handed out for more than one event, with a few of them. */
    public record Reuse(long count, List<String> examples) {
        @Override
        public String toString() {
            return count + (examples.isEmpty() ? "" : ", e.g. " + examples);
        }
    }

    /** Owed events that never arrived, told or not. */
    public long lost() {
        return lostAndTold + lostSilently;
    }

    /** The sum of two tallies (e.g. over all subscribers). */
    public DeliveryTally plus(DeliveryTally other) {
        List<String> merged = new ArrayList<>(examples);
        for (String example : other.examples) {
            example(merged, example);
        }
        return new DeliveryTally(expected + other.expected, delivered + other.delivered, lostAndTold + other.lostAndTold,
                lostSilently + other.lostSilently, duplicated + other.duplicated, outOfOrder + other.outOfOrder, merged);
    }

    public boolean perfect() {
        return lost() == 0 && duplicated == 0 && outOfOrder == 0 && delivered == expected;
    }

    private static void example(List<String> examples, String example) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(example);
        }
    }

    /** The counts without examples. */
    public String counts() {
        return "expected " + expected + ", delivered " + delivered + ", lost and told " + lostAndTold + ", LOST SILENTLY "
                + lostSilently + ", duplicated " + duplicated + ", out of order " + outOfOrder;
    }

    @Override
    public String toString() {
        return "expected " + expected + ", delivered " + delivered + ", lost and told " + lostAndTold + ", LOST SILENTLY "
                + lostSilently + ", duplicated " + duplicated + ", out of order " + outOfOrder
                + (examples.isEmpty() ? "" : "; e.g. " + examples);
    }
}
