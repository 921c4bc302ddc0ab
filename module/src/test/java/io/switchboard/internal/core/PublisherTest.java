package io.switchboard.internal.core;

import com.fasterxml.jackson.databind.node.IntNode;
import io.switchboard.api.PublishException;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.testing.HistoryOnlyBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one way in for events: what it refuses, and that it never holds the caller's thread on the bus. */
class PublisherTest {
    private final CountDownLatch busAnswers = new CountDownLatch(1);
    /** A bus whose publish blocks its caller until the test lets it go, as Redisson does while Redis is down. */
    private final LocalBus log = new LocalBus(100, Duration.ofMinutes(1));
    /** Whether the bus says its publishes return at once; they then must not block (the test's threads show it). */
    private final AtomicBoolean atOnce = new AtomicBoolean();
    private final List<String> callingThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HistoryOnlyBus bus = new HistoryOnlyBus() {
        @Override
        public boolean publishesWithoutWaiting() {
            return atOnce.get();
        }

        @Override
        public CompletionStage<List<Offset>> publish(List<Outgoing> events) {
            callingThreads.add(Thread.currentThread().getName());
            try {
                busAnswers.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return log.publish(events);
        }

        @Override
        public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
            return log.history(topic, since, limit, maxBytes);
        }
    };
    private final ThreadPoolExecutor handOff = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(2));
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final NodeStats stats = new NodeStats();
    private final Publisher publisher = new Publisher(bus, "n1", 100, 3, stats, handOff, stopping::get);

    @AfterEach
    void release() {
        busAnswers.countDown();
        handOff.shutdownNow();
        log.close();
    }

    @Test
    @Timeout(30) // a publish that blocked the caller would never let the test release the bus
    void aPublishReturnsWhileTheBusCallIsBlockedAndCompletesOnceItAnswers() throws Exception {
        CompletableFuture<Offset> first = publish("news", 1).toCompletableFuture();
        CompletableFuture<Offset> second = publish("news", 2).toCompletableFuture();
        assertThat(first).isNotDone();

        busAnswers.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
        assertThat(second.get(10, TimeUnit.SECONDS).seq()).isEqualTo(2); // in the order they were made
        assertThat(stats.snapshot().get("publishedByDoor")).asString().contains("java=2");
    }

    @Test
    @Timeout(30)
    void publishesBeyondWhatMayWaitForTheBusFailAtOnceAndPublishNothing() throws Exception {
        List<CompletableFuture<Offset>> stages = new ArrayList<>();
        for (int i = 0; i < 5; i++) { // one in the bus call, two waiting, two over the bound
            stages.add(publish("news", i).toCompletableFuture());
        }
        CompletableFuture<Offset> refused = stages.get(4);
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(PublishException.class).hasMessageContaining("too many publishes waiting");
        busAnswers.countDown();
        long published = 0;
        for (CompletableFuture<Offset> stage : stages) {
            try {
                stage.get(10, TimeUnit.SECONDS);
                published++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(PublishException.class);
            }
        }
        assertThat(published).isEqualTo(3);
        assertThat(log.history(Topic.channel("news"), Optional.empty(), 0).toCompletableFuture()
                .get(5, TimeUnit.SECONDS).current().seq()).isEqualTo(3);
    }

    @Test
    @Timeout(30)
    void aBusThatPublishesWithoutWaitingIsCalledOnTheCallersThread() throws Exception {
        busAnswers.countDown();
        atOnce.set(true);
        assertThat(publish("news", 1).toCompletableFuture().get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
        assertThat(callingThreads).containsExactly(Thread.currentThread().getName());
        assertThat(handOff.getCompletedTaskCount()).isZero();
    }

    @Test
    @Timeout(30)
    void whileAPublishWaitsForTheHandOffTheNextOnesFollowItThereInOrder() throws Exception {
        CompletableFuture<Offset> first = publish("news", 1).toCompletableFuture(); // the bus waits: handed off
        atOnce.set(true);
        CompletableFuture<Offset> second = publish("news", 2).toCompletableFuture();
        assertThat(second).isNotDone(); // not overtaking the first on the caller's thread
        busAnswers.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).seq()).isEqualTo(1);
        assertThat(second.get(10, TimeUnit.SECONDS).seq()).isEqualTo(2);
        assertThat(callingThreads).doesNotContain(Thread.currentThread().getName());
    }

    @Test
    void whatTheCallerSentIsRefusedBeforeAnythingIsPublished() {
        assertThatThrownBy(() -> Publisher.channel("no spaces")).isInstanceOf(Refusal.class)
                .extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.BAD_REQUEST);
        assertThatThrownBy(() -> Publisher.channel("@system")).isInstanceOf(Refusal.class)
                .extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThatThrownBy(() -> Publisher.user("")).isInstanceOf(Refusal.class);
        assertThatThrownBy(() -> publisher.publish(Publisher.Door.API, new Publisher.Draft(Topic.channel("a"), "", IntNode.valueOf(1))))
                .isInstanceOf(Refusal.class).hasMessageContaining("invalid event name");
        Publisher.Draft big = new Publisher.Draft(Topic.channel("a"), "e",
                com.fasterxml.jackson.databind.node.TextNode.valueOf("x".repeat(200)));
        assertThatThrownBy(() -> publisher.publish(Publisher.Door.API, big))
                .isInstanceOf(Refusal.class).extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.TOO_LARGE);
        Publisher.Draft small = new Publisher.Draft(Topic.channel("a"), "e", IntNode.valueOf(1));
        assertThatThrownBy(() -> publisher.publish(Publisher.Door.API, List.of(small, small, small, small), null))
                .isInstanceOf(Refusal.class).extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThatThrownBy(() -> publisher.publish(Publisher.Door.API, List.of(small, big), null))
                .isInstanceOf(Refusal.class).hasMessageStartingWith("events[1]: ");
        assertThatThrownBy(() -> publisher.publish(Publisher.Door.API, List.of(small), "no spaces"))
                .isInstanceOf(Refusal.class).hasMessageContaining("idempotency key");
        assertThat(handOff.getTaskCount()).isZero();
    }

    @Test
    void aStoppingNodePublishesNothing() {
        stopping.set(true);
        CompletableFuture<Offset> stage = publish("news", 1).toCompletableFuture();
        assertThatThrownBy(() -> stage.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(PublishException.class).hasMessageContaining("shutting down");
        assertThat(handOff.getTaskCount()).isZero();
    }

    private CompletionStage<Offset> publish(String channel, int data) {
        return publisher.publish(Publisher.Door.JAVA, new Publisher.Draft(Topic.channel(channel), "e", IntNode.valueOf(data)));
    }
}
