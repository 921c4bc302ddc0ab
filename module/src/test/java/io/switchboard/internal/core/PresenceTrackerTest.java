package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusUnavailableException;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.testing.HistoryOnlyBus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/** This node's share of presence channels: who is here, written to the bus on each change and on refresh. */
class PresenceTrackerTest {
    private final PresenceBus bus = new PresenceBus();
    private final PresenceTracker tracker = new PresenceTracker(bus, "node-1");

    /** Records every share written, as {@code channel: users}; fails the writes while {@code down}. */
    private static final class PresenceBus extends HistoryOnlyBus {
        final List<String> writes = new ArrayList<>();
        volatile boolean down;

        @Override
        public CompletionStage<Void> present(Topic channel, String nodeId, Set<String> users, Duration ttl) {
            assertThat(nodeId).isEqualTo("node-1");
            assertThat(ttl).isEqualTo(PresenceTracker.TTL);
            writes.add(channel.name() + ": " + String.join(",", new TreeSet<>(users)));
            return down
                    ? CompletableFuture.failedFuture(new BusUnavailableException("Redis is down", null))
                    : CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
            throw new UnsupportedOperationException("presence reads no history");
        }
    }

    @Test
    void aUserWithTwoSessionsJoinsOnceAndLeavesWithTheLast() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "alice"); // a second tab
        assertThat(bus.writes).containsExactly("presence-room: alice");

        tracker.leave("presence-room", "alice");
        assertThat(bus.writes).as("one session is still there").containsExactly("presence-room: alice");

        tracker.leave("presence-room", "alice");
        assertThat(bus.writes).containsExactly("presence-room: alice", "presence-room: ");
    }

    @Test
    void everyChangeWritesTheWholeShareOfTheChannel() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "bob");
        tracker.join("presence-lobby", "carol");
        tracker.leave("presence-room", "alice");

        assertThat(bus.writes).containsExactly("presence-room: alice", "presence-room: alice,bob",
                "presence-lobby: carol", "presence-room: bob");
    }

    @Test
    void refreshRewritesEveryShare() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "bob");
        tracker.join("presence-lobby", "carol");
        bus.writes.clear();

        tracker.refresh();

        assertThat(bus.writes).containsExactlyInAnyOrder("presence-room: alice,bob", "presence-lobby: carol");
    }

    @Test
    void aChannelEveryoneLeftIsNoLongerRefreshed() {
        tracker.join("presence-room", "alice");
        tracker.leave("presence-room", "alice");
        bus.writes.clear();

        tracker.refresh();

        assertThat(bus.writes).isEmpty();
    }

    @Test
    void leavingAnUnknownUserOrChannelDoesNothing() {
        tracker.leave("presence-room", "alice"); // a channel with no members here
        tracker.join("presence-room", "alice");
        bus.writes.clear();

        tracker.leave("presence-room", "mallory");

        assertThat(bus.writes).isEmpty();
        tracker.refresh();
        assertThat(bus.writes).containsExactly("presence-room: alice");
    }

    @Test
    void aLeaveTooManyDoesNotSilenceALaterJoin() {
        tracker.join("presence-room", "alice");
        tracker.leave("presence-room", "alice");
        tracker.leave("presence-room", "alice"); // a duplicate leave
        bus.writes.clear();

        tracker.join("presence-room", "alice");

        assertThat(bus.writes).containsExactly("presence-room: alice");
    }

    @Test
    void aFailedWriteIsRepairedByTheNextRefresh() {
        bus.down = true;
        tracker.join("presence-room", "alice"); // the write fails: logged, not thrown
        bus.down = false;
        bus.writes.clear();

        tracker.refresh();

        assertThat(bus.writes).containsExactly("presence-room: alice");
    }
}
