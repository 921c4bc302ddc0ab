package io.switchboard.internal.core;

import io.switchboard.internal.bus.BusMessage;
import io.switchboard.internal.bus.BusUnavailableException;
import io.switchboard.internal.bus.History;
import io.switchboard.internal.bus.Lineage;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.registry.Registry;
import io.switchboard.internal.registry.Subscriber;
import io.switchboard.internal.testing.HistoryOnlyBus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The node's bus subscriptions following local interest. The bus answers when the test says so,
 * and the interest worker runs its tasks when the test says so, all on the test's thread.
 */
class BusInterestTest {
    private static final String E1 = Offset.epochAt(1_000_000, "AAAA");

    private final Topic news = Topic.channel("news");
    private final Topic sport = Topic.channel("sport");
    private final ScriptedBus bus = new ScriptedBus();
    private final ManualWorker worker = new ManualWorker();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<String> delivered = new ArrayList<>();
    private final Registry registry = new Registry(new Registry.InterestListener() {
        @Override
        public void interested(Topic topic) {
        }

        @Override
        public void uninterested(Topic topic) {
        }
    });
    private final List<Topic> dispatchersMade = new ArrayList<>();
    private final BusInterest interest = new BusInterest(bus, worker, topic -> {
        dispatchersMade.add(topic);
        return new TopicDispatcher(topic, registry, bus, new NodeStats(), 100, timer);
    });

    BusInterestTest() {
        // The dispatchers deliver to the registry's subscribers; this one records what reached news.
        registry.add(news, new Subscriber() {
            @Override
            public void deliver(Delivery delivery) {
                delivered.add(delivery.topic().name() + " " + delivery.offset().seq());
            }
        });
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    /**
     * A bus whose position reads and subscriptions complete when the test completes them; reads
     * with an offset (a dispatcher's repairs) are recorded and left pending until completed.
     */
    private static final class ScriptedBus extends HistoryOnlyBus {
        final List<String> calls = new ArrayList<>();
        final Queue<CompletableFuture<History>> positionReads = new ArrayDeque<>();
        final Queue<CompletableFuture<History>> repairReads = new ArrayDeque<>();
        final Queue<CompletableFuture<Void>> subscriptions = new ArrayDeque<>();

        @Override
        public CompletionStage<History> history(Topic topic, Optional<Offset> since, int limit, long maxBytes) {
            CompletableFuture<History> read = new CompletableFuture<>();
            if (since.isEmpty()) {
                calls.add("position " + topic.name());
                positionReads.add(read);
            } else {
                calls.add("history " + topic.name() + " after " + since.get().seq());
                repairReads.add(read);
            }
            return read;
        }

        @Override
        public CompletionStage<Void> subscribe(Topic topic) {
            calls.add("subscribe " + topic.name());
            CompletableFuture<Void> live = new CompletableFuture<>();
            subscriptions.add(live);
            return live;
        }

        @Override
        public CompletionStage<Void> unsubscribe(Topic topic) {
            calls.add("unsubscribe " + topic.name());
            return CompletableFuture.completedFuture(null);
        }
    }

    /** A single "thread" of tasks that runs when the test says so; refuses tasks once shut down. */
    private static final class ManualWorker extends AbstractExecutorService {
        private final Queue<Runnable> tasks = new ArrayDeque<>();
        private boolean shutdown;

        @Override
        public void execute(Runnable task) {
            if (shutdown) {
                throw new RejectedExecutionException("worker shut down");
            }
            tasks.add(task);
        }

        /** Runs queued tasks, and those they queue, until none is left. */
        void runAll() {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            List<Runnable> left = new ArrayList<>(tasks);
            tasks.clear();
            return left;
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown && tasks.isEmpty();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return isTerminated();
        }
    }

    /** Why a future that completed exceptionally failed. */
    private static Throwable failure(CompletableFuture<Void> future) {
        assertThat(future).isCompletedExceptionally();
        Throwable error = future.handle((ignored, failed) -> failed).join();
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }

    /** The answer of a position read: the topic stands at {@code seq} of E1. */
    private static History at(long seq) {
        return new History(new Offset(E1, seq), true, List.of(), new Lineage.Placement(seq, true, true));
    }

    private BusMessage message(Topic topic, long seq) {
        return new BusMessage(topic, new Offset(E1, seq), "{\"event\":\"e\",\"data\":" + seq + ",\"node\":\"n\"}");
    }

    /** Declares interest in news and lets its bus subscription go live with the topic at seq 5. */
    private CompletableFuture<Void> liveAtFive() {
        interest.interested(news);
        worker.runAll();
        bus.subscriptions.remove().complete(null);
        bus.positionReads.remove().complete(at(5));
        return interest.live(news);
    }

    @Test
    void thePositionIsReadOnceSubscribed() {
        interest.interested(news);
        assertThat(bus.calls).as("no bus call on the deciding thread").isEmpty();

        worker.runAll();
        assertThat(bus.calls).containsExactly("subscribe news");

        bus.subscriptions.remove().complete(null);
        assertThat(bus.calls).containsExactly("subscribe news", "position news");
        assertThat(dispatchersMade).containsExactly(news);
    }

    @Test
    void liveCompletesWhenTheBusSubscriptionIsLiveAndThePositionKnown() {
        interest.interested(news);
        worker.runAll();
        CompletableFuture<Void> live = interest.live(news);
        bus.subscriptions.remove().complete(null);
        assertThat(live).isNotDone();

        bus.positionReads.remove().complete(at(5));

        assertThat(live).isCompleted();
        assertThat(interest.topics()).isEqualTo(1);
    }

    @Test
    void liveAtTellsThePositionReadOnceSubscribed() {
        CompletableFuture<Void> live = liveAtFive();

        assertThat(live).isCompleted();
        assertThat(interest.liveAt(news)).isCompletedWithValue(Optional.of(new Offset(E1, 5)));
        assertThat(bus.calls).as("no history read: nothing was published before the subscription went live")
                .containsExactly("subscribe news", "position news");
    }

    @Test
    void aFailedPositionReadStillCompletesLiveWithoutAPosition() {
        interest.interested(news);
        worker.runAll();
        bus.subscriptions.remove().complete(null);
        bus.positionReads.remove().completeExceptionally(new BusUnavailableException("Redis is down", null));

        assertThat(interest.live(news)).isCompleted();
        assertThat(interest.liveAt(news)).isCompletedWithValue(Optional.empty());
    }

    @Test
    void eventsArrivingBeforeThePositionWaitForItAndAGapBeforeThemIsRepaired() {
        interest.interested(news);
        worker.runAll();
        bus.subscriptions.remove().complete(null);
        interest.onMessage(message(news, 5)); // published before the position was read
        interest.onMessage(message(news, 7)); // 6 was dropped by pub/sub
        assertThat(delivered).as("nothing before the position is known").isEmpty();

        bus.positionReads.remove().complete(at(4));

        assertThat(delivered).containsExactly("news 5");
        assertThat(bus.calls).endsWith("history news after 5");
        bus.repairReads.remove().complete(new History(new Offset(E1, 7), true,
                List.of(message(news, 6), message(news, 7)), new Lineage.Placement(5, true, true)));
        assertThat(delivered).containsExactly("news 5", "news 6", "news 7");
    }

    @Test
    void eventsUpToThePositionThatArriveBeforeItAreDroppedLikeLaterDuplicates() {
        interest.interested(news);
        worker.runAll();
        bus.subscriptions.remove().complete(null);
        interest.onMessage(message(news, 5));

        bus.positionReads.remove().complete(at(5));
        interest.onMessage(message(news, 6));

        assertThat(delivered).containsExactly("news 6");
    }

    @Test
    void liveFailsForATopicNobodyWants() {
        assertThat(interest.live(sport)).isCompletedExceptionally();
        assertThat(failure(interest.live(sport))).isInstanceOf(BusUnavailableException.class);
    }

    @Test
    void liveFailsWhenTheBusCannotSubscribe() {
        interest.interested(news);
        worker.runAll();

        bus.subscriptions.remove().completeExceptionally(new BusUnavailableException("Redis is down", null));

        assertThat(interest.live(news)).isCompletedExceptionally();
        assertThat(bus.calls).containsExactly("subscribe news");
    }

    @Test
    void liveFailsOnceTheTopicIsNoLongerWanted() {
        interest.interested(news);
        worker.runAll();
        CompletableFuture<Void> live = interest.live(news);

        interest.uninterested(news);

        assertThat(live).isCompletedExceptionally();
        assertThat(failure(live)).isInstanceOf(BusUnavailableException.class);
        assertThat(interest.live(news)).isCompletedExceptionally();
        assertThat(interest.topics()).isZero();
        worker.runAll();
        assertThat(bus.calls).endsWith("unsubscribe news");
    }

    @Test
    void liveFailsWhenTheNodeStops() {
        interest.interested(news);
        interest.interested(sport);
        worker.runAll();
        CompletableFuture<Void> newsLive = interest.live(news);
        CompletableFuture<Void> sportLive = interest.live(sport);

        interest.stop();

        assertThat(newsLive).isCompletedExceptionally();
        assertThat(sportLive).isCompletedExceptionally();
        assertThat(failure(newsLive)).hasMessageContaining("stopped");
    }

    @Test
    void messagesReachTheirTopicsDispatcher() {
        liveAtFive();

        interest.onMessage(message(news, 6));
        interest.onMessage(message(news, 7));

        assertThat(delivered).containsExactly("news 6", "news 7");
    }

    @Test
    void messagesOfTopicsNoLongerWantedAreDropped() {
        liveAtFive();
        interest.onMessage(message(news, 6));

        interest.uninterested(news);
        interest.onMessage(message(news, 7)); // still in flight on pub/sub
        interest.onMessage(message(sport, 1)); // never wanted

        assertThat(delivered).containsExactly("news 6");
    }

    @Test
    void onResumedReachesTheDispatcher() {
        liveAtFive();
        bus.calls.clear();

        interest.onResumed(news);
        interest.onResumed(sport); // not wanted: nothing to resume

        assertThat(bus.calls).as("the dispatcher reads what it may have missed")
                .containsExactly("history news after 5");
    }

    @Test
    void anInterestWithdrawnBeforeItsTurnIsNotSubscribed() {
        interest.interested(news);
        interest.uninterested(news);
        worker.runAll();

        assertThat(bus.calls).as("no bus subscription outlives the interest").containsExactly("unsubscribe news");
    }

    @Test
    void aLateAnswerOfAnEarlierInterestDoesNotReadOrCompleteForTheCurrentOne() {
        interest.interested(news);
        worker.runAll();
        CompletableFuture<Void> firstSubscription = bus.subscriptions.remove();
        interest.uninterested(news);
        interest.interested(news);
        worker.runAll();
        bus.subscriptions.remove().complete(null);
        bus.positionReads.remove().complete(at(7));
        assertThat(interest.liveAt(news)).isCompletedWithValue(Optional.of(new Offset(E1, 7)));

        firstSubscription.complete(null);

        assertThat(bus.calls).containsExactly("subscribe news", "unsubscribe news", "subscribe news", "position news");
        assertThat(interest.liveAt(news)).isCompletedWithValue(Optional.of(new Offset(E1, 7)));
    }
}
