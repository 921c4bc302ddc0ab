package io.switchboard.internal.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Offsets: their form, and the order of epochs by time. */
class OffsetTest {

    @Test
    void anEpochIsTheTimeItBeganInBase36ThenFourCapitals() {
        String epoch = Offset.epochAt(1_796_000_000_000L, "QWER");
        assertThat(epoch).hasSize(13).endsWith("QWER");
        assertThat(Offset.epochTime(epoch)).isEqualTo(1_796_000_000_000L);
        assertThat(Offset.parse(epoch + "-7")).contains(new Offset(epoch, 7));
        assertThat(Offset.epochTime("k3j9x1")).as("an epoch of another form").isZero();
    }

    @Test
    void aNewerEpochComesAfterWhateverItsSeqAndAnOlderOneNever() {
        Offset older = new Offset(Offset.epochAt(1_000, "AAAA"), 30);
        Offset newer = new Offset(Offset.epochAt(2_000, "BBBB"), 21);
        assertThat(newer.isAfter(older)).isTrue();
        assertThat(older.isAfter(newer)).isFalse();
        assertThat(older.olderEpochThan(newer)).isTrue();
        assertThat(new Offset(older.epoch(), 31).isAfter(older)).isTrue();
        assertThat(older.isAfter(older)).isFalse();
    }

    @Test
    void aMarkerComesBeforeTheFirstEventOfAnEpochOfTheSameMillisecond() {
        Offset marker = Offset.marker(5_000);
        assertThat(marker.isMarker()).isTrue();
        assertThat(marker.seq()).isZero();
        assertThat(new Offset(Offset.epochAt(5_000, "ABCD"), 1).isAfter(marker)).isTrue();
        assertThat(marker.isAfter(new Offset(Offset.epochAt(5_000, "ABCD"), 1))).isFalse();
        assertThat(new Offset(Offset.epochAt(5_000, "ABCD"), 0).isMarker()).isFalse();
    }

    @Test
    void epochsWithoutATimeCannotBeOrderedSoTheOtherOneWins() {
        assertThat(new Offset("new", 1).isAfter(new Offset("old", 41))).isTrue();
        assertThat(new Offset(Offset.epochAt(1, "AAAA"), 1).isAfter(new Offset("old", 41))).isTrue();
        assertThat(new Offset("old", 41).isAfter(new Offset(Offset.epochAt(1, "AAAA"), 1))).isFalse();
    }
}
