package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.node.IntNode;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a session drains its queue into batched sends (and with a write delay), against a transport
 * whose sends complete only when the test says so.
 */
class BatchedSendsTest {

    /** The node's timer as a test drives it: scheduled tasks run when the test says. */
    private static final class HandDrivenTimer extends ScheduledThreadPoolExecutor {
        final List<Runnable> scheduled = new ArrayList<>();

        HandDrivenTimer() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            scheduled.add(command);
            return null;
        }

        void runScheduled() {
            List<Runnable> now = List.copyOf(scheduled);
            scheduled.clear();
            now.forEach(Runnable::run);
        }
    }

    /**
     * The node's write delay of 5 ms, on a timer and a clock the test drives, and sessions (of 100
     * frames, no byte bound) that wait on it.
     */
    private static final class DelayedWrites implements AutoCloseable {
        private final HandDrivenTimer timer = new HandDrivenTimer();
        private final AtomicLong now = new AtomicLong();
        private final WriteDelay delay = new WriteDelay(timer, 5, now::get);

        ClientSession session(HandDrivenTransport transport) {
            return new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run, delay);
        }

        /** Moves the clock on by {@code millis}. */
        void pass(long millis) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
        }

        /** Moves the clock on by {@code millis}, then runs the timer's tasks (one not yet due schedules itself again). */
        void runTimerAfter(long millis) {
            pass(millis);
            timer.runScheduled();
        }

        /** The tasks waiting on the timer. */
        List<Runnable> scheduled() {
            return timer.scheduled;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }

    private static String frame(int i, int size) {
        String head = "{\"n\":" + i + ",\"p\":\"";
        return head + "x".repeat(Math.max(0, size - head.length() - 2)) + "\"}";
    }

    @Test
    void aBatchingSessionSendsEverythingQueuedMeanwhileInOneSendInOrder() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 5; i++) {
            session.send(frame(i, 20));
        }
        assertThat(transport.sends()).hasSize(1); // the first went out alone: nothing else waited
        transport.completeOne();
        assertThat(transport.sends()).hasSize(2);
        assertThat(transport.sends().get(1)).containsExactly(frame(1, 20), frame(2, 20), frame(3, 20), frame(4, 20));
        assertThat(session.queuedFrames()).isZero();
        assertThat(session.queuedBytes()).isZero();
        transport.completeOne();
        assertThat(session.sentFrames()).isEqualTo(5);
    }

    @Test
    void aSessionThatDidNotAskForBatchesSendsOneFramePerSend() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 4; i++) {
            session.send(frame(i, 20));
        }
        transport.completeAll();
        assertThat(transport.sends()).allSatisfy(send -> assertThat(send).hasSize(1));
        assertThat(transport.written()).containsExactly(frame(0, 20), frame(1, 20), frame(2, 20), frame(3, 20));
    }

    @Test
    void aBatchStopsAt64KiBAndTheRestFollowsInTheNextSend() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        session.send(frame(0, 10));
        for (int i = 1; i <= 7; i++) {
            session.send(frame(i, 20_000)); // three fit in 64 KiB with their separators, a fourth does not
        }
        transport.completeOne();
        transport.completeOne();
        transport.completeOne();

        assertThat(transport.sends()).extracting(List::size).containsExactly(1, 3, 3, 1);
        for (List<String> send : transport.sends()) {
            int chars = send.stream().mapToInt(String::length).sum() + send.size() - 1;
            assertThat(chars).isLessThanOrEqualTo(SendQueue.MAX_BATCH_CHARS);
        }
        assertThat(transport.written()).containsExactly(frame(0, 10), frame(1, 20_000), frame(2, 20_000),
                frame(3, 20_000), frame(4, 20_000), frame(5, 20_000), frame(6, 20_000), frame(7, 20_000));
    }

    @Test
    void aFrameLargerThanABatchStillGoesOutAlone() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        session.send(frame(0, 10));
        session.send(frame(1, 100_000));
        session.send(frame(2, 10));
        transport.completeOne();
        transport.completeOne();

        assertThat(transport.sends()).containsExactly(List.of(frame(0, 10)), List.of(frame(1, 100_000)), List.of(frame(2, 10)));
    }

    @Test
    void batchingKeepsTheQueueBoundsAndClosesAFullQueueWith1013() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 3, Long.MAX_VALUE, Runnable::run);
        session.send(frame(0, 20)); // in flight
        session.send(frame(1, 20));
        session.send(frame(2, 20));
        session.send(frame(3, 20));
        assertThat(session.isOpen()).isTrue();
        session.send(frame(4, 20)); // a fourth waiting frame: over the bound

        assertThat(session.overflowed()).isTrue();
        assertThat(transport.closedWith).isEqualTo(1013);
        transport.completeOne();
        assertThat(transport.sends()).hasSize(1); // nothing more after the close
    }

    @Test
    void withAWriteDelayTheFirstFrameWaitsForTheTimerAndFramesQueuedMeanwhileJoinIt() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        try (DelayedWrites writes = new DelayedWrites()) {
            ClientSession session = writes.session(transport);
            session.send(frame(0, 20));
            session.send(frame(1, 20));
            assertThat(transport.sends()).isEmpty();
            assertThat(writes.scheduled()).hasSize(1); // one timer task for the node, not one per frame

            writes.runTimerAfter(5);
            assertThat(transport.sends()).containsExactly(List.of(frame(0, 20), frame(1, 20)));

            session.send(frame(2, 20)); // a send is in flight: its completion goes on without delay
            transport.completeOne();
            assertThat(transport.sends()).hasSize(2);
            assertThat(transport.sends().get(1)).containsExactly(frame(2, 20));
            assertThat(writes.scheduled()).isEmpty();
        }
    }

    @Test
    void theWriteDelayServesSessionsInTheOrderTheyWaitedAndOnlyThoseDue() {
        HandDrivenTransport first = new HandDrivenTransport(true);
        HandDrivenTransport second = new HandDrivenTransport(true);
        try (DelayedWrites writes = new DelayedWrites()) {
            writes.session(first).send(frame(1, 20));
            writes.pass(3);
            writes.session(second).send(frame(2, 20));

            writes.runTimerAfter(2);
            assertThat(first.sends()).hasSize(1);
            assertThat(second.sends()).isEmpty(); // due 3 ms later
            assertThat(writes.scheduled()).hasSize(1);

            writes.runTimerAfter(3);
            assertThat(second.sends()).hasSize(1);
            assertThat(writes.scheduled()).isEmpty();
        }
    }

    private static Delivery delivery(long seq) {
        Topic topic = Topic.channel("news");
        Offset offset = new Offset("E", seq);
        EventEnvelope envelope = new EventEnvelope("e", IntNode.valueOf((int) seq), "n");
        return new Delivery(topic, offset, envelope, OutboundFrame.of(Frames.event("news", "e", envelope.data(), offset)));
    }

    @Test
    void aSubscriptionHoldsARunOfDeliveriesUntilTheDispatcherFlushesThenSendsThemAsOneBatch() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        ChannelSubscription subscription = ChannelSubscription.live(Topic.channel("news"), session);
        for (long seq = 1; seq <= 3; seq++) {
            subscription.deliverBeforeFlush(delivery(seq));
        }
        assertThat(transport.sends()).isEmpty();

        subscription.flush();
        assertThat(transport.sends()).containsExactly(List.of(delivery(1).frame().text(), delivery(2).frame().text(),
                delivery(3).frame().text()));
    }

    @Test
    void aSubscriptionWritesWithoutWaitingForTheFlushOnceHalfTheQueueIsTaken() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        ClientSession session = new ClientSession(transport, 4, Long.MAX_VALUE, Runnable::run);
        ChannelSubscription subscription = ChannelSubscription.live(Topic.channel("news"), session);
        subscription.deliverBeforeFlush(delivery(1));
        assertThat(transport.sends()).isEmpty();
        subscription.deliverBeforeFlush(delivery(2)); // two of four: half the queue

        assertThat(transport.sends()).containsExactly(List.of(delivery(1).frame().text(), delivery(2).frame().text()));
        assertThat(session.isOpen()).isTrue();
    }

    private static List<String> frames(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).mapToObj(seq -> delivery(seq).frame().text()).toList();
    }

    @Test
    void withAWriteDelayABurstThatTakesHalfTheQueueIsWrittenWithoutWaitingAndTheClientStaysOpen() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        try (DelayedWrites writes = new DelayedWrites()) {
            ClientSession session = writes.session(transport);
            ChannelSubscription subscription = ChannelSubscription.live(Topic.channel("news"), session);
            // Three times the queue within the delay, in the fan-out's runs of deliveries, to a client
            // that reads each send as soon as it is made.
            for (long seq = 1; seq <= 300; seq++) {
                subscription.deliverBeforeFlush(delivery(seq));
                if (seq % 32 == 0) {
                    subscription.flush();
                }
                assertThat(transport.pendingSends()).as("at most one send in flight").isLessThanOrEqualTo(1);
                transport.completeAll();
            }
            subscription.flush();
            assertThat(session.isOpen()).isTrue();
            assertThat(session.overflowed()).isFalse();
            assertThat(transport.sends()).as("written before the delay was up").hasSizeGreaterThanOrEqualTo(5);
            assertThat(transport.written()).isEqualTo(frames(1, transport.written().size()));

            writes.runTimerAfter(5); // the delayed write asked for by the first run writes what is left
            transport.completeAll();
            assertThat(transport.written()).containsExactlyElementsOf(frames(1, 300));
            assertThat(writes.scheduled()).isEmpty();
        }
    }

    @Test
    void aDelayedWriteDueWhileAHalfFullQueueIsBeingWrittenLeavesItToTheSendsCompletion() {
        HandDrivenTransport transport = new HandDrivenTransport(true);
        try (DelayedWrites writes = new DelayedWrites()) {
            ClientSession session = writes.session(transport);
            ChannelSubscription subscription = ChannelSubscription.live(Topic.channel("news"), session);
            subscription.deliver(delivery(1)); // asks for the delayed write
            for (long seq = 2; seq <= 50; seq++) {
                subscription.deliverBeforeFlush(delivery(seq));
            }
            assertThat(transport.sends()).containsExactly(frames(1, 50)); // half the queue: written now
            for (long seq = 51; seq <= 60; seq++) {
                subscription.deliver(delivery(seq)); // behind the send in flight
            }

            writes.runTimerAfter(5);
            assertThat(transport.sends()).as("no second send while one is in flight").hasSize(1);

            transport.completeOne();
            assertThat(transport.sends()).containsExactly(frames(1, 50), frames(51, 60));
            transport.completeOne();
            assertThat(session.sentFrames()).isEqualTo(60);
            assertThat(session.isOpen()).isTrue();
            assertThat(writes.scheduled()).isEmpty();
        }
    }
}
