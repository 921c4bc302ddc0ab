package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.PresenceChange;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every bus does with presence (SPEC v1.1 {@code join}/{@code leave}): the same writes give
 * the same joins and leaves, in the same order, on {@link LocalBus} and on {@link RedisBus}. Each
 * test uses a channel of its own.
 */
abstract class PresenceBusContract {
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** Lease of a node that "crashes": the test writes nothing more for it. Written last in a setup, so no other write sweeps it early. */
    private static final Duration SHORT_LEASE = Duration.ofMillis(150);
    private static final Duration MEDIUM_LEASE = Duration.ofSeconds(1);

    /** The bus under test, shared by the tests of a class. */
    protected abstract Bus bus();

    private String channel;
    private Offset start;

    @BeforeEach
    void newChannel() {
        channel = "presence-" + UUID.randomUUID();
        start = null;
    }

    /** The presence topic's position before the test wrote anything: its changes are read from here. */
    private Offset start() throws Exception {
        if (start == null) {
            start = snapshot().offset();
        }
        return start;
    }

    private boolean write(PresenceWrite write) throws Exception {
        start();
        return bus().writePresence(write).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private boolean full(String node, Set<String> users, Duration lease) throws Exception {
        return write(PresenceWrite.full(channel, node, users, lease));
    }

    private boolean delta(String node, Set<String> added, Set<String> removed) throws Exception {
        return write(PresenceWrite.delta(channel, node, added, removed, LEASE));
    }

    private PresenceSnapshot snapshot() throws Exception {
        return bus().presence(channel).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Waits until a read of the channel (which sweeps expired shares first) lists nobody. */
    private void awaitNoMembers(String what) {
        Await.until(what, () -> {
            try {
                return snapshot().members().isEmpty();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** Every change of the channel since the test began, as {@code "join alice"} / {@code "leave bob"}. */
    private List<String> changes() throws Exception {
        History history = bus().history(Topic.presence(channel), Optional.of(start()), 1000)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        List<String> changes = new ArrayList<>();
        for (BusMessage message : history.events()) {
            PresenceChange change = PresenceChange.of(EventEnvelope.decode(message.envelope()));
            changes.add((change.joined() ? "join " : "leave ") + change.user());
        }
        return changes;
    }

    @Test
    void aUserJoinsWithTheFirstNodeThatHoldsThemAndLeavesWithTheLast() throws Exception {
        full("node-1", Set.of("alice", "bob"), LEASE);
        full("node-2", Set.of("bob", "carol"), LEASE);
        assertThat(changes()).containsExactly("join alice", "join bob", "join carol");

        delta("node-1", Set.of(), Set.of("alice", "bob"));
        assertThat(changes()).as("node-2 still holds bob").endsWith("leave alice").hasSize(4);

        delta("node-2", Set.of(), Set.of("bob"));
        full("node-2", Set.of(), LEASE);
        assertThat(changes()).containsExactly("join alice", "join bob", "join carol", "leave alice", "leave bob", "leave carol");
    }

    @Test
    void theSnapshotHoldsExactlyTheChangesUpToItsOffset() throws Exception {
        PresenceSnapshot empty = snapshot();
        assertThat(empty.members()).isEmpty();

        full("node-1", Set.of("bob", "alice"), LEASE);
        full("node-2", Set.of("alice"), LEASE);
        PresenceSnapshot snapshot = snapshot();

        assertThat(snapshot.members()).containsExactly("alice", "bob");
        History after = bus().history(Topic.presence(channel), Optional.of(snapshot.offset()), 100)
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(after.events()).as("no change after the snapshot's offset").isEmpty();
        assertThat(after.current()).isEqualTo(snapshot.offset());
        assertThat(snapshot.offset().isAfter(empty.offset())).isTrue();
    }

    @Test
    void aFullWriteMakesTheNodesShareExactlyWhatItNames() throws Exception {
        full("node-1", Set.of("alice", "bob"), LEASE);
        full("node-1", Set.of("bob", "carol"), LEASE);

        assertThat(changes()).containsExactly("join alice", "join bob", "leave alice", "join carol");
        assertThat(snapshot().members()).containsExactly("bob", "carol");
    }

    @Test
    void aDeltaFromANodeTheBusHoldsNoShareOfIsRefusedAndChangesNothing() throws Exception {
        assertThat(delta("node-1", Set.of("alice"), Set.of())).isFalse();
        assertThat(changes()).isEmpty();

        assertThat(full("node-1", Set.of("alice"), LEASE)).isTrue();
        assertThat(delta("node-1", Set.of("bob"), Set.of())).isTrue();
        full("node-1", Set.of(), LEASE);
        assertThat(delta("node-1", Set.of(), Set.of())).as("a node that left everything is forgotten").isFalse();
        assertThat(changes()).containsExactly("join alice", "join bob", "leave alice", "leave bob");
    }

    @Test
    void aNodeWhoseLeaseRanOutIsSweptByTheNextWriteOfAnotherNode() throws Exception {
        full("node-2", Set.of("bob"), LEASE);
        full("node-1", Set.of("alice", "bob"), SHORT_LEASE); // last: no other write may sweep it before the test does

        // node-2 renews its own lease (an empty delta) until node-1's has run out.
        Await.until("node-1's users swept by node-2's renewal", () -> {
            try {
                delta("node-2", Set.of(), Set.of());
                return changes().contains("leave alice");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        assertThat(changes()).as("bob is still held by node-2").containsExactly("join bob", "join alice", "leave alice");
        assertThat(snapshot().members()).containsExactly("bob");
        assertThat(delta("node-1", Set.of(), Set.of())).as("node-1's share is gone: it must write in full").isFalse();
    }

    @Test
    void twoNodesNoticingTheSameExpiryAtOnceLeaveItsUsersOnce() throws Exception {
        full("node-2", Set.of("bob"), LEASE);
        full("node-3", Set.of("carol"), LEASE);
        full("node-1", Set.of("alice", "bob"), SHORT_LEASE);
        long written = System.currentTimeMillis();
        Await.until("node-1's lease has run out", () -> System.currentTimeMillis() > written + 3 * SHORT_LEASE.toMillis());

        List<CompletableFuture<?>> sweeps = List.of(
                bus().writePresence(PresenceWrite.delta(channel, "node-2", Set.of(), Set.of(), LEASE)).toCompletableFuture(),
                bus().writePresence(PresenceWrite.delta(channel, "node-3", Set.of(), Set.of(), LEASE)).toCompletableFuture(),
                bus().presence(channel).toCompletableFuture());
        CompletableFuture.allOf(sweeps.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);

        assertThat(changes()).containsExactly("join bob", "join carol", "join alice", "leave alice");
    }

    @Test
    void aUserHeldByTwoCrashedNodesLeavesOnce() throws Exception {
        full("node-3", Set.of("carol"), LEASE);
        // node-1's lease outlasts the write of node-2, which would otherwise sweep it.
        full("node-1", Set.of("alice", "bob"), MEDIUM_LEASE);
        full("node-2", Set.of("alice"), SHORT_LEASE);
        long written = System.currentTimeMillis();
        Await.until("both leases have run out", () -> System.currentTimeMillis() > written + 2 * MEDIUM_LEASE.toMillis());

        delta("node-3", Set.of(), Set.of());

        // node-1 is swept first (by name): alice is still held by node-2 then, and leaves with it.
        assertThat(changes()).containsExactly("join carol", "join alice", "join bob", "leave bob", "leave alice");
        assertThat(snapshot().members()).containsExactly("carol");
    }

    @Test
    void aReadSweepsExpiredSharesSoNoSnapshotShowsACrashedNodesUsers() throws Exception {
        full("node-1", Set.of("alice"), SHORT_LEASE);
        awaitNoMembers("alice no longer listed");

        assertThat(changes()).containsExactly("join alice", "leave alice");
    }

    @Test
    void aNodeThatWasSweptWhileAliveJoinsItsUsersAgainWithItsFullShare() throws Exception {
        full("node-1", Set.of("alice"), SHORT_LEASE);
        awaitNoMembers("node-1 swept");

        assertThat(delta("node-1", Set.of(), Set.of())).isFalse();
        assertThat(full("node-1", Set.of("alice"), LEASE)).isTrue();

        assertThat(changes()).containsExactly("join alice", "leave alice", "join alice");
        assertThat(snapshot().members()).containsExactly("alice");
    }
}
