package io.switchboard.it.support;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault report's counting rules, on hand-made streams (no processes): a missing event is "lost and told"
 * only when a {@code recovered:false} notice stands where it would have been, the same sequence number in two
 * epochs is no duplicate, and an offset given to two events is counted as reused.
 */
class DeliveryTallyIT {

    private static final String OLD = "e1";
    private static final String NEW = "e2";

    /** Builds one client's stream frame by frame. */
    private static final class StreamBuilder {
        private final List<ReconnectingClient.Received> frames = new ArrayList<>();
        private final List<ReconnectingClient.Notice> notices = new ArrayList<>();
        private long clock = 1;

        StreamBuilder event(String epoch, long seq, long n) {
            frames.add(new ReconnectingClient.Received("c", epoch, seq, n, 1, frames.size(), clock++));
            return this;
        }

        StreamBuilder unsolicited(String offset, boolean recovered) {
            notices.add(new ReconnectingClient.Notice("c", null, offset, recovered, true, 1, frames.size(), frames.size(), clock++));
            return this;
        }

        /** A reply to a subscribe sent {@code framesAgo} frames earlier (the replay in between). */
        StreamBuilder reply(String since, String offset, boolean recovered, int framesAgo) {
            notices.add(new ReconnectingClient.Notice("c", since, offset, recovered, false, 2, frames.size() - framesAgo,
                    frames.size(), clock++));
            return this;
        }

        ReconnectingClient.Stream build() {
            return new ReconnectingClient.Stream("c", frames, notices);
        }
    }

    private static EpochOrder order() {
        return new EpochOrder().seen(OLD, 0).seen(NEW, 1000);
    }

    private static List<DeliveryTally.Owed> owed(String epoch, long fromSeq, long toSeq, long firstN) {
        List<DeliveryTally.Owed> owed = new ArrayList<>();
        for (long seq = fromSeq; seq <= toSeq; seq++) {
            owed.add(new DeliveryTally.Owed(firstN + seq - fromSeq, epoch + "-" + seq));
        }
        return owed;
    }

    @Test
    void eventMissingWhereAnUnsolicitedNoticeSaysNotRecoveredIsLostAndTold() {
        ReconnectingClient.Stream stream = new StreamBuilder().event(OLD, 1, 1).event(OLD, 2, 2)
                .unsolicited(NEW + "-2", false).event(NEW, 3, 4).build();
        List<DeliveryTally.Owed> owed = new ArrayList<>(owed(OLD, 1, 3, 1));
        owed.add(new DeliveryTally.Owed(4, NEW + "-3"));

        DeliveryTally tally = DeliveryTally.of("client", owed, stream, order());

        assertThat(tally.delivered()).isEqualTo(3);
        assertThat(tally.lostAndTold()).isEqualTo(1);
        assertThat(tally.lostSilently()).isZero();
    }

    @Test
    void eventMissingWithoutANoticeIsLostSilently() {
        ReconnectingClient.Stream stream = new StreamBuilder().event(OLD, 1, 1).event(OLD, 2, 2).event(NEW, 3, 4).build();
        List<DeliveryTally.Owed> owed = new ArrayList<>(owed(OLD, 1, 3, 1));
        owed.add(new DeliveryTally.Owed(4, NEW + "-3"));

        DeliveryTally tally = DeliveryTally.of("client", owed, stream, order());

        assertThat(tally.lostSilently()).isEqualTo(1);
        assertThat(tally.lostAndTold()).isZero();
    }

    @Test
    void aNoticeElsewhereInTheStreamDoesNotExcuseALoss() {
        ReconnectingClient.Stream stream = new StreamBuilder().unsolicited(OLD + "-0", false).event(OLD, 1, 1)
                .event(OLD, 2, 2).event(OLD, 4, 4).build();

        DeliveryTally tally = DeliveryTally.of("client", owed(OLD, 1, 4, 1), stream, order());

        assertThat(tally.lostSilently()).isEqualTo(1);
    }

    @Test
    void eventsMissingFromAReplayFollowedByANotRecoveredReplyAreLostAndTold() {
        // Away after e1-2, back with since=e1-2: replay of e1-3 and e2-6 (e1-4, e1-5 gone), then the reply.
        ReconnectingClient.Stream stream = new StreamBuilder().event(OLD, 1, 1).event(OLD, 2, 2)
                .event(OLD, 3, 3).event(NEW, 6, 6).reply(OLD + "-2", NEW + "-6", false, 2).build();
        List<DeliveryTally.Owed> owed = new ArrayList<>(owed(OLD, 1, 5, 1));
        owed.add(new DeliveryTally.Owed(6, NEW + "-6"));

        DeliveryTally tally = DeliveryTally.of("client", owed, stream, order());

        assertThat(tally.lostAndTold()).isEqualTo(2);
        assertThat(tally.lostSilently()).isZero();
        assertThat(tally.outOfOrder()).isZero();
    }

    @Test
    void theSameSequenceNumberUnderANewEpochIsNoDuplicateButTheSameEventTwiceIs() {
        ReconnectingClient.Stream stream = new StreamBuilder().event(OLD, 1, 1).event(OLD, 2, 2)
                .unsolicited(NEW + "-1", false).event(NEW, 2, 3).event(NEW, 2, 3).build();

        DeliveryTally tally = DeliveryTally.of("client", List.of(new DeliveryTally.Owed(1, OLD + "-1"),
                new DeliveryTally.Owed(2, OLD + "-2"), new DeliveryTally.Owed(3, NEW + "-2")), stream, order());

        assertThat(tally.duplicated()).isEqualTo(1);
        assertThat(tally.outOfOrder()).isZero();
        assertThat(tally.delivered()).isEqualTo(3);
    }

    @Test
    void anOlderEpochAfterANewerOneIsOutOfOrder() {
        ReconnectingClient.Stream stream = new StreamBuilder().event(NEW, 1, 2).event(OLD, 5, 1).build();

        DeliveryTally tally = DeliveryTally.of("client", List.of(), stream, order());

        assertThat(tally.outOfOrder()).isEqualTo(1);
    }

    @Test
    void anOffsetGivenToTwoEventsIsReused() {
        ReconnectingClient.Stream stream = new StreamBuilder().event(OLD, 21, 21).event(OLD, 21, 31).event(NEW, 21, 41).build();

        DeliveryTally.Reuse reuse = DeliveryTally.offsetsReused(Map.of(21L, OLD + "-21", 31L, OLD + "-21", 41L, NEW + "-21"),
                List.of(stream));

        assertThat(reuse.count()).isEqualTo(1);
    }
}
