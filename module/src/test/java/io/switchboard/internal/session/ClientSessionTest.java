package io.switchboard.internal.session;

import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.testkit.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The send queue against a scripted container: what it writes, when, and when it gives up on a client. */
class ClientSessionTest {

    @Test
    void writesOneFrameAtATimeInQueueOrder() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 5; i++) {
            session.send("f" + i);
        }
        assertThat(transport.written()).containsExactly("f0");
        assertThat(session.queuedFrames()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            transport.completeOne();
        }
        assertThat(transport.written()).containsExactly("f0", "f1", "f2", "f3", "f4");
        assertThat(transport.maxInFlight()).isEqualTo(1);
        transport.completeOne();
        assertThat(session.sentFrames()).isEqualTo(5);
        assertThat(session.queuedFrames()).isZero();
    }

    @Test
    void completionsOnTheCallingThreadContinueInALoopNotByRecursion() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 10_000, Long.MAX_VALUE, Runnable::run);
        transport.completeInline = true;
        for (int i = 0; i < 5_000; i++) {
            session.enqueue("f" + i);
        }
        int depthBefore = Thread.currentThread().getStackTrace().length;
        session.flush();
        assertThat(transport.written()).hasSize(5_000).startsWith("f0", "f1").endsWith("f4999");
        assertThat(transport.maxDepth() - depthBefore).isLessThan(60);
        assertThat(session.sentFrames()).isEqualTo(5_000);
    }

    @Test
    void completionsOnOtherThreadsKeepEveryFrameInOrder() throws Exception {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100_000, Long.MAX_VALUE, Runnable::run);
        ExecutorService completer = Executors.newSingleThreadExecutor();
        try {
            Thread producer = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    session.send("f" + i);
                }
            });
            producer.start();
            Await.until("the 20 000 frames produced and sent", Duration.ofSeconds(20), () -> {
                completeOnOtherThread(transport, completer);
                return !producer.isAlive() && session.sentFrames() >= 20_000;
            });
            producer.join();
        } finally {
            completer.shutdownNow();
        }
        List<String> written = transport.written();
        assertThat(written).hasSize(20_000);
        for (int i = 0; i < written.size(); i++) {
            assertThat(written.get(i)).isEqualTo("f" + i);
        }
        assertThat(transport.maxInFlight()).isEqualTo(1);
    }

    /** Completes the transport's pending sends one at a time on {@code completer}, for as long as there are any. */
    private static void completeOnOtherThread(HandDrivenTransport transport, ExecutorService completer) {
        while (true) {
            if (transport.pendingSends() == 0) {
                return;
            }
            try {
                completer.submit(transport::completeOne).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            } catch (ExecutionException e) {
                throw new AssertionError("completing a send failed", e.getCause());
            }
        }
    }

    @Test
    void aFullQueueClosesTheClientWith1013() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 3, Long.MAX_VALUE, Runnable::run);
        for (int i = 0; i < 4; i++) {
            session.send("f" + i); // f0 in flight, f1..f3 queued
        }
        assertThat(session.isOpen()).isTrue();
        session.send("f4");
        assertThat(session.overflowed()).isTrue();
        assertThat(transport.closedWith).isEqualTo(1013);
        assertThat(session.queuedFrames()).isZero();
    }

    @Test
    void aSendTheContainerDoesNotCompleteCountsAsStalled() throws Exception {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 10, Long.MAX_VALUE, Runnable::run);
        assertThat(session.sendStalledFor(0)).isFalse();
        session.send("f0");
        Thread.sleep(5);
        assertThat(session.sendStalledFor(TimeUnit.MILLISECONDS.toNanos(1))).isTrue();
        assertThat(session.sendStalledFor(TimeUnit.SECONDS.toNanos(30))).isFalse();
        transport.completeOne();
        assertThat(session.sendStalledFor(0)).isFalse();

        session.send("f1");
        session.closeStalled("stalled");
        assertThat(transport.closedWith).isEqualTo(1013);
        assertThat(session.overflowed()).isTrue();
    }

    @Test
    void aClientThatDoesNotReadIsClosedWith1013OnceItsQueuedBytesExceedTheBudget() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 1_000, 10_000, Runnable::run);
        String large = "x".repeat(3_000);
        session.send(large); // in flight: no longer in the queue
        for (int i = 0; i < 3; i++) {
            session.send(large);
        }
        assertThat(session.queuedBytes()).isEqualTo(9_000);
        assertThat(session.isOpen()).isTrue();
        session.send(large); // 12,000 bytes would wait: far fewer than 1,000 frames, but over the bytes
        assertThat(session.overflowed()).isTrue();
        assertThat(transport.closedWith).isEqualTo(1013);
        assertThat(session.queuedBytes()).isZero();
    }

    @Test
    void aFrameLargerThanTheByteBudgetStillGoesOutThroughAnEmptyQueue() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100, 1_000, Runnable::run);
        session.send("f0"); // in flight
        session.send("y".repeat(5_000)); // alone in the queue: accepted
        assertThat(session.isOpen()).isTrue();
        session.send("f2"); // behind a queue already over its bytes
        assertThat(session.overflowed()).isTrue();
    }

    @Test
    void sentFramesGiveTheirBytesBackAndReplayPagesAreHalfTheByteBudget() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100, 8_000, Runnable::run);
        assertThat(session.replayByteRoom()).isEqualTo(4_000);
        session.send("f0");
        session.send("z".repeat(3_000));
        assertThat(session.replayByteRoom()).isEqualTo(1_000);
        List<String> ran = new ArrayList<>();
        session.awaitReplayTurn(() -> ran.add("next page"));
        assertThat(ran).isEmpty(); // 3,000 queued bytes is more than a quarter of 8,000
        transport.completeOne();
        assertThat(session.queuedBytes()).isZero();
        assertThat(ran).containsExactly("next page");
    }

    @Test
    void aClosedSessionStaysClosedWhenAskedToCloseAgain() {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        session.closed(); // the container reported the connection gone
        session.closeNow(1001, "server shutting down");
        assertThat(session.state()).isEqualTo(ClientSession.State.CLOSED);
        session.close(1013, "late");
        assertThat(session.state()).isEqualTo(ClientSession.State.CLOSED);
    }

    @Test
    void aQuietSessionSendsItsTransportsKeepAliveButNeverBetweenFramesOrOnAWebSocket() throws Exception {
        HandDrivenTransport transport = new HandDrivenTransport(false);
        transport.completeInline = true;
        ClientSession session = new ClientSession(transport, 100, Long.MAX_VALUE, Runnable::run);
        long quiet = TimeUnit.MILLISECONDS.toNanos(20);

        session.keepAliveIfQuiet(quiet);
        Thread.sleep(30); // the session has been quiet for longer than quiet
        session.keepAliveIfQuiet(quiet);
        assertThat(transport.written()).as("a transport without keep-alive (WebSocket)").isEmpty();

        transport.keepAlive = OutboundFrame.of(": keep-alive");
        session.keepAliveIfQuiet(quiet);
        assertThat(transport.written()).containsExactly(": keep-alive");
        session.keepAliveIfQuiet(quiet);
        assertThat(transport.written()).as("just sent: not quiet").hasSize(1);

        transport.completeInline = false;
        Thread.sleep(30);
        session.send("f0"); // in flight
        Thread.sleep(30);
        session.keepAliveIfQuiet(quiet);
        assertThat(transport.written()).as("a send in flight: the stream is busy").containsExactly(": keep-alive", "f0");
    }
}
