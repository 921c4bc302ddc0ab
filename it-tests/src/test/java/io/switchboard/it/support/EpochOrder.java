package io.switchboard.it.support;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Orders offsets the way the protocol does: epochs by time (the newer epoch is greater), then sequence
 * numbers. The tests do not read the epoch tokens; an epoch's time is when it was first seen anywhere (a
 * publish answered with it, a frame carrying it), which is after it began and before any later epoch did.
 *
 * <p>Not thread-safe: built once, then read.
 */
public final class EpochOrder implements Comparator<Offset> {

    private final Map<String, Long> firstSeen = new HashMap<>();

    /** Records that {@code epoch} was seen at {@code nanos} ({@link System#nanoTime()}); keeps the earliest. */
    public EpochOrder seen(String epoch, long nanos) {
        firstSeen.merge(epoch, nanos, Math::min);
        return this;
    }

    /** The order the epochs of {@code clients}' frames of {@code channel} were first received in. */
    public static EpochOrder of(Iterable<ReconnectingClient> clients, String channel) {
        EpochOrder order = new EpochOrder();
        clients.forEach(client -> order.add(client.stream(channel)));
        return order;
    }

    /** Adds the epochs of a stream's frames and notices. */
    public EpochOrder add(ReconnectingClient.Stream stream) {
        stream.frames().forEach(frame -> seen(frame.epoch(), frame.atNanos()));
        stream.notices().forEach(notice -> seen(Offset.parse(notice.offset()).epoch(), notice.atNanos()));
        return this;
    }

    @Override
    public int compare(Offset a, Offset b) {
        if (!a.epoch().equals(b.epoch())) {
            long ta = firstSeen.getOrDefault(a.epoch(), Long.MAX_VALUE);
            long tb = firstSeen.getOrDefault(b.epoch(), Long.MAX_VALUE);
            int byTime = Long.compare(ta, tb);
            return byTime != 0 ? byTime : a.epoch().compareTo(b.epoch());
        }
        return Long.compare(a.seq(), b.seq());
    }
}
