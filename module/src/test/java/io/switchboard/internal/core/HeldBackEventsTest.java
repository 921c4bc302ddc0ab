package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a topic holds back while it cannot deliver, in which order it gives it back, and its byte budget. */
class HeldBackEventsTest {
    private static final int SIZE = 10; // every envelope below is this long

    private final HeldBackEvents held = new HeldBackEvents(5 * SIZE);

    private static BusMessage event(String epoch, long seq) {
        return new BusMessage(Topic.channel("news"), new Offset(epoch, seq), "x".repeat(SIZE));
    }

    @Test
    void eventsAheadOfAGapComeBackBySeqAndOnlyUpToTheOneAsked() {
        held.holdAhead(event("E", 7));
        held.holdAhead(event("E", 5));
        held.holdAhead(event("E", 9));

        assertThat(held.firstAheadSeq()).isEqualTo(5);
        assertThat(held.takeAheadUpTo(4)).isNull();
        assertThat(held.takeAheadUpTo(7).offset().seq()).isEqualTo(5);
        assertThat(held.takeAheadUpTo(7).offset().seq()).isEqualTo(7);
        assertThat(held.takeAheadUpTo(7)).isNull();
        assertThat(held.hasAhead()).isTrue();
        assertThat(held.bytes()).isEqualTo(SIZE);
    }

    @Test
    void aSecondEventOfTheSameSeqAheadReplacesTheFirstAndIsCountedOnce() {
        held.holdAhead(event("E", 5));
        BusMessage again = event("E", 5);
        assertThat(held.holdAhead(again)).isTrue();

        assertThat(held.bytes()).isEqualTo(SIZE);
        assertThat(held.takeAheadUpTo(5)).isSameAs(again);
        assertThat(held.hasAhead()).isFalse();
        assertThat(held.bytes()).isZero();
    }

    @Test
    void newerEpochAndBeforeBaselineEventsComeBackInArrivalOrderOnceAndFreeTheirBytes() {
        held.holdNewerEpoch(event("F", 3));
        held.holdNewerEpoch(event("F", 1));
        held.holdBeforeBaseline(event("E", 2));

        assertThat(held.takeNewerEpoch()).extracting(message -> message.offset().seq()).containsExactly(3L, 1L);
        assertThat(held.takeNewerEpoch()).isEmpty();
        assertThat(held.bytes()).isEqualTo(SIZE);
        assertThat(held.takeBeforeBaseline()).extracting(message -> message.offset().seq()).containsExactly(2L);
        assertThat(held.bytes()).isZero();
    }

    @Test
    void anEventHeldWhileATakenListIsReadGoesToTheNextTake() {
        held.holdNewerEpoch(event("F", 1));
        var taken = held.takeNewerEpoch();
        held.holdNewerEpoch(event("F", 2)); // as accepting a taken event may hold it again

        assertThat(taken).extracting(message -> message.offset().seq()).containsExactly(1L);
        assertThat(held.takeNewerEpoch()).extracting(message -> message.offset().seq()).containsExactly(2L);
    }

    @Test
    void eventsWaitOnHistoryWhenHeldAheadOrOfANewerEpochButNotBeforeTheBaseline() {
        held.holdBeforeBaseline(event("E", 1));
        assertThat(held.waitOnHistory()).isFalse();

        held.holdNewerEpoch(event("F", 1));
        assertThat(held.waitOnHistory()).isTrue();
        held.takeNewerEpoch();
        held.holdAhead(event("E", 3));
        assertThat(held.waitOnHistory()).isTrue();
        held.dropAhead();
        assertThat(held.waitOnHistory()).isFalse();
        assertThat(held.bytes()).isEqualTo(SIZE); // the one before the baseline
    }

    @Test
    void anEventThatWouldPassTheByteBudgetIsLetGoWhateverItsKind() {
        for (long seq = 2; seq <= 4; seq++) {
            assertThat(held.holdAhead(event("E", seq))).isTrue();
        }
        assertThat(held.holdNewerEpoch(event("F", 1))).isTrue();
        assertThat(held.holdBeforeBaseline(event("E", 9))).isTrue(); // the budget exactly

        assertThat(held.holdAhead(event("E", 5))).isFalse();
        assertThat(held.holdNewerEpoch(event("F", 2))).isFalse();
        assertThat(held.holdBeforeBaseline(event("E", 10))).isFalse();
        assertThat(held.bytes()).isEqualTo(5 * SIZE);

        held.dropAhead();
        assertThat(held.holdAhead(event("E", 5))).as("room again once some is given back").isTrue();
        assertThat(held.bytes()).isEqualTo(3 * SIZE);
    }
}
