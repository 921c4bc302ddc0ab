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
 * What one or more subscribers received, measured against what they should have received.
 *
 * <ul>
 *   <li>{@code expected}: acknowledged events (offsets a publish was answered with) the subscriber should get;</li>
 *   <li>{@code delivered}: how many of those arrived at least once;</li>
 *   <li>{@code lost}: expected and never arrived;</li>
 *   <li>{@code duplicated}: frames carrying an offset (or, for a different offset, a data {@code n}) the
 *       subscriber had already received: the same event twice;</li>
 *   <li>{@code outOfOrder}: frames arriving after a later one of the same channel (a lower sequence number of
 *       the same epoch, or an epoch already left behind).</li>
 * </ul>
 * Counted on the raw frames, across all of a subscriber's connections (client-side de-duplication by offset,
 * which client.js does at a reconnect seam, would hide duplicates and turn late events into losses).
 */
public record DeliveryTally(long expected, long delivered, long lost, long duplicated, long outOfOrder, List<String> examples) {

    private static final int MAX_EXAMPLES = 5;

    public static DeliveryTally none() {
        return new DeliveryTally(0, 0, 0, 0, 0, List.of());
    }

    /**
     * @param expectedOffsets the acknowledged offsets this subscriber should receive
     * @param frames          what it received, in arrival order (one channel)
     */
    public static DeliveryTally of(String who, Collection<String> expectedOffsets, List<ReconnectingClient.Received> frames) {
        Set<String> seen = new HashSet<>();
        Set<Long> seenN = new HashSet<>();
        List<String> epochs = new ArrayList<>();
        Map<String, Long> highest = new HashMap<>();
        List<String> examples = new ArrayList<>();
        long duplicated = 0;
        long outOfOrder = 0;
        for (ReconnectingClient.Received frame : frames) {
            String offset = frame.offset();
            if (!seen.add(offset) || (frame.n() >= 0 && !seenN.add(frame.n()))) {
                duplicated++;
                example(examples, who + ": duplicate " + offset + " (n=" + frame.n() + ") on connection " + frame.connection());
                continue;
            }
            if (!epochs.contains(frame.epoch())) {
                epochs.add(frame.epoch());
            }
            boolean oldEpoch = !epochs.get(epochs.size() - 1).equals(frame.epoch());
            Long top = highest.get(frame.epoch());
            if (oldEpoch || (top != null && frame.seq() < top)) {
                outOfOrder++;
                example(examples, who + ": " + offset + " arrived after " + frame.epoch() + "-" + top);
            }
            highest.merge(frame.epoch(), frame.seq(), Math::max);
        }
        long delivered = 0;
        List<String> missing = new ArrayList<>();
        for (String offset : expectedOffsets) {
            if (seen.contains(offset)) {
                delivered++;
            } else {
                missing.add(offset);
            }
        }
        if (!missing.isEmpty()) {
            missing.sort(Comparator.comparing((String o) -> Offset.parse(o).epoch())
                    .thenComparingLong(o -> Offset.parse(o).seq()));
            example(examples, who + ": lost " + missing.size() + " acknowledged event(s), e.g. "
                    + missing.subList(0, Math.min(10, missing.size())));
        }
        return new DeliveryTally(expectedOffsets.size(), delivered, missing.size(), duplicated, outOfOrder, examples);
    }

    /** The sum of two tallies (e.g. over all subscribers). */
    public DeliveryTally plus(DeliveryTally other) {
        List<String> merged = new ArrayList<>(examples);
        for (String example : other.examples) {
            example(merged, example);
        }
        return new DeliveryTally(expected + other.expected, delivered + other.delivered, lost + other.lost,
                duplicated + other.duplicated, outOfOrder + other.outOfOrder, merged);
    }

    public boolean perfect() {
        return lost == 0 && duplicated == 0 && outOfOrder == 0 && delivered == expected;
    }

    private static void example(List<String> examples, String example) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(example);
        }
    }

    @Override
    public String toString() {
        return "expected " + expected + ", delivered " + delivered + ", lost " + lost + ", duplicated " + duplicated
                + ", out of order " + outOfOrder + (examples.isEmpty() ? "" : "; e.g. " + examples);
    }
}
