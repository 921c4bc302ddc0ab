package io.switchboard.internal.node;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last few connections this node closed as slow consumers (1013), newest last, for the admin
 * page: which session, whose, when and why. Bounded ({@link #KEPT}); guarded by {@code this}.
 */
final class SlowConsumers {
    /** Closes kept: what the admin page shows, not a log. */
    static final int KEPT = 20;

    /** One close; {@code user} is null for an anonymous connection. */
    record Close(long at, String session, String user, String reason) {
    }

    private final Clock clock;
    private final ArrayDeque<Close> recent = new ArrayDeque<>(KEPT);

    SlowConsumers(Clock clock) {
        this.clock = clock;
    }

    synchronized void record(String session, String user, String reason) {
        if (recent.size() == KEPT) {
            recent.removeFirst();
        }
        recent.addLast(new Close(clock.millis(), session, user, reason == null ? "" : reason));
    }

    /** A copy, oldest first. */
    synchronized List<Close> recent() {
        return new ArrayList<>(recent);
    }
}
