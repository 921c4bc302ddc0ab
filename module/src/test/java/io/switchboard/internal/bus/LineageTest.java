package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The epoch rule: where an offset stands on a channel's line after the Redis holding it changed. */
class LineageTest {
    private static final long HOUR = 3_600_000;
    private final String e1 = Offset.epochAt(1_000_000, "AAAA");
    private final String e2 = Offset.epochAt(2_000_000, "BBBB");
    private final String e3 = Offset.epochAt(3_000_000, "CCCC");
    /** e1 ended at 20 (a snapshot restart: not durable), e2 at 45 (durable), e3 is current at 50. */
    private final Lineage line = new Lineage(e3, 50, List.of(
            new Lineage.Link(e1, 20, false), new Lineage.Link(e2, 45, true)), 900_000);

    @Test
    void anOffsetOfTheCurrentEpochFollowsItsOwnSeq() {
        assertThat(line.place(new Offset(e3, 47), HOUR)).isEqualTo(new Lineage.Placement(47, true, true));
    }

    @Test
    void anOffsetOfAnEndedEpochUpToItsEndIsOnTheLineAndLosslessOnlyIfEveryChangeSinceWasDurable() {
        assertThat(line.place(new Offset(e2, 40), HOUR)).isEqualTo(new Lineage.Placement(40, true, true));
        assertThat(line.place(new Offset(e1, 20), HOUR)).isEqualTo(new Lineage.Placement(20, true, false));
    }

    @Test
    void anOffsetPastTheEndOfItsEpochIsOffTheLineAndContinuesAfterThatEnd() {
        // Its holder saw e1-21..30, which the Redis that took over never had.
        assertThat(line.place(new Offset(e1, 30), HOUR)).isEqualTo(new Lineage.Placement(20, false, false));
        assertThat(line.place(new Offset(e3, 51), HOUR).onLine()).isFalse();
    }

    @Test
    void anUnknownEpochCannotBePlaced() {
        assertThat(line.place(new Offset(Offset.epochAt(1_500_000, "ZZZZ"), 3), HOUR).placed()).isFalse();
        assertThat(line.place(new Offset("legacy", 3), HOUR).placed()).isFalse();
    }

    @Test
    void aMarkerStandsBeforeSeqOneIfTheLineBeganAfterItButNotTooLongAfter() {
        Lineage young = new Lineage(e1, 5, List.of(), 1_000_000);
        assertThat(young.place(Offset.marker(999_000), HOUR)).isEqualTo(new Lineage.Placement(0, true, true));
        assertThat(young.place(Offset.marker(1_000_001), HOUR).onLine()).as("a marker from after the line began").isFalse();
        assertThat(young.place(Offset.marker(999_000), 500).onLine()).as("a whole line may have come and gone").isFalse();
        assertThat(line.place(Offset.marker(800_000), HOUR)).as("the line crossed a change that was not durable")
                .isEqualTo(new Lineage.Placement(0, true, false));
    }

    @Test
    void linksAreReadAsTheScriptsWriteThem() {
        assertThat(Lineage.parseLinks(e1 + " 20 0 " + e2 + " 45 1")).containsExactly(
                new Lineage.Link(e1, 20, false), new Lineage.Link(e2, 45, true));
        assertThat(Lineage.parseLinks("")).isEmpty();
    }
}
