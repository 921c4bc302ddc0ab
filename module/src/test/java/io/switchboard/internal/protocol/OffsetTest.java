package io.switchboard.internal.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void parsesEpochDashSeq() {
        assertThat(Offset.parse("abc-0")).contains(new Offset("abc", 0));
        assertThat(Offset.parse("A1b2-42")).contains(new Offset("A1b2", 42));
        assertThat(Offset.parse("x".repeat(32) + "-1")).contains(new Offset("x".repeat(32), 1));
        assertThat(Offset.parse("e-999999999999999999")).contains(new Offset("e", 999_999_999_999_999_999L));
    }

    @Test
    void refusesWhatIsNotAnOffset() {
        assertThat(Offset.parse(null)).isEmpty();
        assertThat(Offset.parse("")).isEmpty();
        assertThat(Offset.parse("abc")).as("no seq").isEmpty();
        assertThat(Offset.parse("abc-")).isEmpty();
        assertThat(Offset.parse("-5")).as("no epoch").isEmpty();
        assertThat(Offset.parse("abc--5")).as("negative seq").isEmpty();
        assertThat(Offset.parse("abc-5x")).isEmpty();
        assertThat(Offset.parse("abc-+5")).isEmpty();
        assertThat(Offset.parse(" abc-5")).isEmpty();
        assertThat(Offset.parse("abc-5 ")).isEmpty();
        assertThat(Offset.parse("a_c-5")).as("not a letter or digit").isEmpty();
        assertThat(Offset.parse("ab-cd-5")).isEmpty();
        assertThat(Offset.parse("\u00e9t\u00e9-5")).as("letters beyond ASCII").isEmpty();
        assertThat(Offset.parse("x".repeat(33) + "-1")).as("an epoch over 32 characters").isEmpty();
    }

    @Test
    void aSeqTooLargeForALongIsRefusedRatherThanThrown() {
        assertThat(Offset.parse("e-9223372036854775807")).as("19 digits").isEmpty();
        assertThat(Offset.parse("e-99999999999999999999")).isEmpty();
        assertThat(Offset.parse("e-" + "9".repeat(1_000))).isEmpty();
    }

    @Test
    void anInvalidOffsetCannotBeMade() {
        assertThatThrownBy(() -> new Offset("abc", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Offset("", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Offset(null, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Offset("a-b", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Offset("x".repeat(33), 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anOffsetReadsBackFromItsText() {
        Offset timed = new Offset(Offset.epochAt(1_796_000_000_000L, "QWER"), 123_456_789L);
        Offset untimed = new Offset("k3j9x1", 0);
        Offset marker = Offset.marker(1_796_000_000_000L);
        Offset largest = new Offset("e", 999_999_999_999_999_999L);
        for (Offset offset : new Offset[]{timed, untimed, marker, largest}) {
            assertThat(offset.toString()).isEqualTo(offset.epoch() + "-" + offset.seq());
            assertThat(Offset.parse(offset.toString())).contains(offset);
        }
    }

    @Test
    void laterEpochsHaveLargerTimesAndTheSameLength() {
        String early = Offset.epochAt(1_000, "AAAA");
        String late = Offset.epochAt(1_796_000_000_000L, "AAAA");
        assertThat(early).hasSize(late.length()).startsWith("00000");
        assertThat(Offset.epochTime(early)).isEqualTo(1_000);
        assertThat(Offset.epochTime(late)).isGreaterThan(Offset.epochTime(early));
        assertThat(Offset.epochAt(0, "ABCD")).isEqualTo("000000000ABCD");
    }

    @Test
    void epochsNotOfTheTimedFormHaveNoTime() {
        String timed = Offset.epochAt(5_000, "ABCD");
        assertThat(Offset.epochTime(timed)).isEqualTo(5_000);
        assertThat(Offset.epochTime(timed + "E")).as("too long").isZero();
        assertThat(Offset.epochTime(timed.substring(1))).as("too short").isZero();
        assertThat(Offset.epochTime(timed.substring(0, 9) + "abcd")).as("lower-case suffix").isZero();
        assertThat(Offset.epochTime(timed.substring(0, 9) + "AB1D")).as("a digit in the suffix").isZero();
        assertThat(Offset.epochTime("00000003WABCD")).as("a capital among the time digits").isZero();
        assertThat(Offset.epochTime("0000000_0ABCD")).as("not a base-36 digit").isZero();
    }

    @Test
    void aMarkerIsTheNoneEpochOfItsTimeAtSeqZero() {
        Offset marker = Offset.marker(1_796_000_000_000L);
        assertThat(marker.epoch()).isEqualTo(Offset.epochAt(1_796_000_000_000L, Offset.MARKER_SUFFIX));
        assertThat(marker.seq()).isZero();
        assertThat(marker.isMarker()).isTrue();
        assertThat(Offset.marker(0).isMarker()).as("the marker of time 0").isTrue();
        assertThat(new Offset(marker.epoch(), 1).isMarker()).as("an event's seq").isFalse();
        assertThat(new Offset("NONE", 0).isMarker()).as("not of the timed form").isFalse();
        assertThat(new Offset("0000000W0NONE", 0).isMarker()).as("a capital among the time digits").isFalse();
    }

    @Test
    void aLaterMarkerComesAfterAnEarlierOneAndEventsOfLaterEpochsAfterBoth() {
        Offset early = Offset.marker(1_000);
        Offset late = Offset.marker(2_000);
        assertThat(late.isAfter(early)).isTrue();
        assertThat(early.isAfter(late)).isFalse();
        assertThat(new Offset(Offset.epochAt(1_500, "ABCD"), 1).isAfter(early)).isTrue();
        assertThat(late.isAfter(new Offset(Offset.epochAt(1_500, "ABCD"), 100))).isTrue();
    }

    @Test
    void withinOneEpochTheLargerSeqComesAfter() {
        Offset three = new Offset("abc", 3);
        Offset four = new Offset("abc", 4);
        assertThat(four.isAfter(three)).isTrue();
        assertThat(three.isAfter(four)).isFalse();
        assertThat(three.isAfter(new Offset("abc", 3))).isFalse();
        assertThat(three.sameEpoch(four)).isTrue();
        assertThat(three.olderEpochThan(four)).isFalse();
    }

    @Test
    void epochsOfTheSameMillisecondAreOrderedBySeq() {
        Offset first = new Offset(Offset.epochAt(5_000, "ABCD"), 3);
        Offset second = new Offset(Offset.epochAt(5_000, "WXYZ"), 7);
        assertThat(second.isAfter(first)).isTrue();
        assertThat(first.isAfter(second)).isFalse();
        assertThat(first.olderEpochThan(second)).as("neither epoch is older").isFalse();
        assertThat(second.olderEpochThan(first)).isFalse();
    }

    @Test
    void aTimedEpochComesAfterAnUntimedOneAndNeverBefore() {
        Offset legacy = new Offset("k3j9x1", 1_000);
        Offset timed = new Offset(Offset.epochAt(1, "AAAA"), 1);
        assertThat(timed.isAfter(legacy)).isTrue();
        assertThat(legacy.isAfter(timed)).isFalse();
        assertThat(legacy.olderEpochThan(timed)).isTrue();
        assertThat(timed.olderEpochThan(legacy)).isFalse();
    }

    @Test
    void ofTwoUntimedEpochsEachCountsAsAfterTheOther() {
        Offset a = new Offset("legacyA", 1);
        Offset b = new Offset("legacyB", 100);
        assertThat(a.isAfter(b)).isTrue();
        assertThat(b.isAfter(a)).isTrue();
        assertThat(a.olderEpochThan(b)).as("no time: neither is older").isFalse();
        assertThat(b.olderEpochThan(a)).isFalse();
    }
}
