package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The live events one topic holds back on this node because they cannot be delivered yet: those
 * that came ahead of a gap in the current epoch (kept by seq), those of a newer epoch (in arrival
 * order, until history placed the offset delivered here on its line), and those that came before
 * the topic's baseline was read (in arrival order). The three share one budget of envelope bytes:
 * an event that would pass it is let go (the caller reads it from history later).
 *
 * <p><b>Concurrency.</b> Owned by one {@link TopicDispatcher} and touched only by the thread
 * draining that dispatcher's {@link TopicInbox} (one thread at a time), so it holds no lock.
 */
final class HeldBackEvents {
    private final long maxBytes;
    /** Live events of the current epoch that came ahead of the last one delivered, by seq. */
    private final TreeMap<Long, BusMessage> ahead = new TreeMap<>();
    /** Live events of a newer epoch, in arrival order. */
    private List<BusMessage> newerEpoch = new ArrayList<>();
    /** Live events that came while the baseline was not read yet, in arrival order. */
    private List<BusMessage> beforeBaseline = new ArrayList<>();
    /** Envelope bytes in all three. */
    private long bytes;

    /** @param maxBytes envelope bytes held back at most, all kinds together */
    HeldBackEvents(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Holds an event that came ahead of a gap, in place of one of the same seq; false if it was let go for want of room. */
    boolean holdAhead(BusMessage message) {
        if (!count(message)) {
            return false;
        }
        BusMessage replaced = ahead.put(message.offset().seq(), message);
        if (replaced != null) {
            bytes -= replaced.envelope().length();
        }
        return true;
    }

    /** Holds an event of a newer epoch; false if it was let go for want of room. */
    boolean holdNewerEpoch(BusMessage message) {
        if (!count(message)) {
            return false;
        }
        newerEpoch.add(message);
        return true;
    }

    /** Holds an event that came before the baseline; false if it was let go for want of room. */
    boolean holdBeforeBaseline(BusMessage message) {
        if (!count(message)) {
            return false;
        }
        beforeBaseline.add(message);
        return true;
    }

    /** Counts {@code message} as held, unless that would pass {@code maxBytes}. */
    private boolean count(BusMessage message) {
        if (bytes + message.envelope().length() > maxBytes) {
            return false;
        }
        bytes += message.envelope().length();
        return true;
    }

    /** Takes the events of a newer epoch held so far, in arrival order (holding more starts a new list). */
    List<BusMessage> takeNewerEpoch() {
        List<BusMessage> taken = newerEpoch;
        newerEpoch = new ArrayList<>();
        release(taken);
        return taken;
    }

    /** Takes the events held before the baseline, in arrival order (holding more starts a new list). */
    List<BusMessage> takeBeforeBaseline() {
        List<BusMessage> taken = beforeBaseline;
        beforeBaseline = new ArrayList<>();
        release(taken);
        return taken;
    }

    private void release(List<BusMessage> taken) {
        for (BusMessage message : taken) {
            bytes -= message.envelope().length();
        }
    }

    /** Drops the events held ahead of a gap (the line they were ahead on no longer leads to them). */
    void dropAhead() {
        for (BusMessage message : ahead.values()) {
            bytes -= message.envelope().length();
        }
        ahead.clear();
    }

    boolean hasAhead() {
        return !ahead.isEmpty();
    }

    /** The lowest seq held ahead of a gap; only while {@link #hasAhead}. */
    long firstAheadSeq() {
        return ahead.firstKey();
    }

    /** Takes the event held ahead with the lowest seq if that seq is at most {@code seq}; null if there is none. */
    BusMessage takeAheadUpTo(long seq) {
        if (ahead.isEmpty() || ahead.firstKey() > seq) {
            return null;
        }
        BusMessage next = ahead.pollFirstEntry().getValue();
        bytes -= next.envelope().length();
        return next;
    }

    /** Whether events wait on a history read: held ahead of a gap, or of a newer epoch. */
    boolean waitOnHistory() {
        return !ahead.isEmpty() || !newerEpoch.isEmpty();
    }

    /** Envelope bytes held, all kinds together. */
    long bytes() {
        return bytes;
    }
}
