package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusUnavailableException;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.PresenceSnapshot;
import io.switchboard.internal.bus.PresenceWrite;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.testing.HistoryOnlyBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** This node's share of presence channels: what it writes to the bus, when, and how it repairs. */
class PresenceTrackerTest {
    private final PresenceBus bus = new PresenceBus();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final PresenceTracker tracker = new PresenceTracker(bus, "node-1", timer);

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    /**
     * Records every write as {@code "<channel> full a,b"} or {@code "<channel> +a,b -c"}; answers at
     * once unless {@code held} (then the test completes {@link #pending}), fails while {@code down},
     * refuses deltas while {@code refuseDeltas}.
     */
    private static final class PresenceBus extends HistoryOnlyBus {
        final List<String> writes = new ArrayList<>();
        final Queue<CompletableFuture<Boolean>> pending = new ArrayDeque<>();
        volatile boolean held;
        volatile boolean down;
        volatile boolean refuseDeltas;
        final AtomicInteger reads = new AtomicInteger();
        volatile int failingReads;

        @Override
        public synchronized CompletionStage<Boolean> writePresence(PresenceWrite write) {
            assertThat(write.nodeId()).isEqualTo("node-1");
            assertThat(write.lease()).isEqualTo(PresenceTracker.LEASE);
            writes.add(write.channel() + (write.full()
                    ? " full " + String.join(",", new TreeSet<>(write.added()))
                    : " +" + String.join(",", new TreeSet<>(write.added())) + " -" + String.join(",", new TreeSet<>(write.removed()))));
            if (down) {
                return CompletableFuture.failedFuture(new BusUnavailableException("Redis is down", null));
            }
            if (held) {
                CompletableFuture<Boolean> answer = new CompletableFuture<>();
                pending.add(answer);
                return answer;
            }
            return CompletableFuture.completedFuture(write.full() || !refuseDeltas);
        }

        @Override
        public CompletionStage<PresenceSnapshot> presence(String channel) {
            if (reads.incrementAndGet() <= failingReads) {
                return CompletableFuture.failedFuture(new BusUnavailableException("Redis is down", null));
            }
            return CompletableFuture.completedFuture(new PresenceSnapshot(new Offset("e", 3), List.of("alice")));
        }

        @Override
        public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
            throw new UnsupportedOperationException("presence tracking reads no history");
        }

        synchronized List<String> writes() {
            return List.copyOf(writes);
        }

        synchronized void clear() {
            writes.clear();
        }

        CompletableFuture<Boolean> nextPending() {
            synchronized (this) {
                return pending.remove();
            }
        }
    }

    @Test
    void aUserWithTwoSessionsIsWrittenOnceAndRemovedWithTheLast() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "alice"); // a second tab
        assertThat(bus.writes()).containsExactly("presence-room full alice");

        tracker.leave("presence-room", "alice");
        assertThat(bus.writes()).as("one session is still there").containsExactly("presence-room full alice");

        tracker.leave("presence-room", "alice");
        assertThat(bus.writes()).containsExactly("presence-room full alice", "presence-room + -alice");
    }

    @Test
    void theFirstWriteOfAChannelIsTheWholeShareAndLaterOnesOnlyTheChange() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "bob");
        tracker.join("presence-lobby", "carol");
        tracker.leave("presence-room", "alice");

        assertThat(bus.writes()).containsExactly("presence-room full alice", "presence-room +bob -",
                "presence-lobby full carol", "presence-room + -alice");
    }

    @Test
    void changesMadeWhileAWriteIsInFlightGoOutTogetherAfterIt() {
        bus.held = true;
        tracker.join("presence-room", "alice");
        tracker.join("presence-room", "bob");
        tracker.join("presence-room", "carol");
        tracker.leave("presence-room", "carol");
        assertThat(bus.writes()).as("one write per channel at a time").containsExactly("presence-room full alice");

        bus.nextPending().complete(true);

        assertThat(bus.writes()).containsExactly("presence-room full alice", "presence-room +bob -");
    }

    @Test
    void joinCompletesOnceTheWriteThatCarriesTheUserHasEnded() {
        bus.held = true;
        CompletableFuture<Void> first = tracker.join("presence-room", "alice");
        CompletableFuture<Void> secondTab = tracker.join("presence-room", "alice");
        CompletableFuture<Void> bob = tracker.join("presence-room", "bob");
        assertThat(first).isNotDone();
        assertThat(secondTab).as("its user's first write is still in flight").isNotDone();

        bus.nextPending().complete(true);
        assertThat(first).isCompleted();
        assertThat(secondTab).isCompleted();
        assertThat(bob).as("bob goes out in the next write").isNotDone();

        bus.nextPending().complete(true);
        assertThat(bob).isCompleted();
        assertThat(tracker.join("presence-room", "bob")).as("nothing left to write").isCompleted();
    }

    @Test
    void aRefusedDeltaIsFollowedAtOnceByTheWholeShare() {
        tracker.join("presence-room", "alice");
        bus.refuseDeltas = true; // e.g. Redis lost its data: it no longer holds this node's share
        bus.clear();

        tracker.join("presence-room", "bob");

        assertThat(bus.writes()).containsExactly("presence-room +bob -", "presence-room full alice,bob");
    }

    @Test
    void aFailedWriteIsRepairedInFullByTheNextRefresh() {
        tracker.join("presence-room", "alice");
        bus.down = true;
        CompletableFuture<Void> bob = tracker.join("presence-room", "bob"); // fails: logged, not thrown
        assertThat(bob).as("settled: the subscriber reads the members anyway").isCompleted();
        bus.down = false;
        bus.clear();

        tracker.refresh();

        assertThat(bus.writes()).containsExactly("presence-room full alice,bob");
    }

    @Test
    void refreshRenewsTheLeaseOfEveryShareWithAnEmptyDelta() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-lobby", "carol");
        bus.clear();

        tracker.refresh();

        assertThat(bus.writes()).containsExactlyInAnyOrder("presence-room + -", "presence-lobby + -");
    }

    @Test
    void aChannelEveryoneLeftIsNoLongerRenewed() {
        tracker.join("presence-room", "alice");
        tracker.leave("presence-room", "alice");
        bus.clear();

        tracker.refresh();

        assertThat(bus.writes()).isEmpty();
    }

    @Test
    void aChannelLeftWhileTheBusIsDownIsLetGoAndLeftToItsLease() {
        tracker.join("presence-room", "alice");
        bus.down = true;
        tracker.leave("presence-room", "alice");
        bus.down = false;
        bus.clear();

        tracker.refresh();

        assertThat(bus.writes()).as("nothing kept for it: its share expires in the bus").isEmpty();
    }

    @Test
    void leavingAnUnknownUserOrChannelDoesNothing() {
        tracker.leave("presence-room", "alice"); // a channel with no members here
        tracker.join("presence-room", "alice");
        bus.clear();

        tracker.leave("presence-room", "mallory");

        assertThat(bus.writes()).isEmpty();
    }

    @Test
    void aLeaveTooManyDoesNotSilenceALaterJoin() {
        tracker.join("presence-room", "alice");
        tracker.leave("presence-room", "alice");
        tracker.leave("presence-room", "alice"); // a duplicate leave
        bus.clear();

        tracker.join("presence-room", "alice");

        assertThat(bus.writes()).containsExactly("presence-room full alice");
    }

    @Test
    void withdrawingRemovesEveryShareAndWaitsForTheWrites() {
        tracker.join("presence-room", "alice");
        tracker.join("presence-lobby", "bob");
        bus.clear();

        tracker.withdrawAll(Duration.ofSeconds(2));

        assertThat(bus.writes()).containsExactlyInAnyOrder("presence-room + -alice", "presence-lobby + -bob");
        bus.clear();
        tracker.refresh();
        assertThat(bus.writes()).isEmpty();
    }

    @Test
    void aSnapshotThatCannotBeReadIsReadAgainWhileWanted() throws Exception {
        bus.failingReads = 2;

        PresenceSnapshot snapshot = tracker.snapshot("presence-room", () -> true).get(10, TimeUnit.SECONDS);

        assertThat(snapshot.members()).containsExactly("alice");
        assertThat(bus.reads).hasValue(3);
    }

    @Test
    void aSnapshotNoLongerWantedIsNotReadAgain() {
        bus.failingReads = 1;
        AtomicBoolean wanted = new AtomicBoolean(false);

        CompletableFuture<PresenceSnapshot> snapshot = tracker.snapshot("presence-room", wanted::get);

        assertThatThrownBy(() -> snapshot.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(BusUnavailableException.class);
        assertThat(bus.reads).hasValue(1);
    }
}
