package io.switchboard.internal.registry;

import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Which local subscribers hold which topic, and the interest decisions that follow. */
class RegistryTest {
    private final Topic news = Topic.channel("news");
    private final Topic sport = Topic.channel("sport");
    private final Interest interest = new Interest();
    private final Registry registry = new Registry(interest);

    /**
     * Records the registry's decisions, in order. Written under each topic's lock (topics of different
     * locks concurrently, hence the synchronized list); read by the test thread after the changes.
     */
    private static final class Interest implements Registry.InterestListener {
        private final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void interested(Topic topic) {
            calls.add("+" + topic.name());
        }

        @Override
        public void uninterested(Topic topic) {
            calls.add("-" + topic.name());
        }

        List<String> calls() {
            return List.copyOf(calls);
        }
    }

    /** A distinct subscriber each time (a lambda without captures would be one shared instance). */
    private static Subscriber subscriber() {
        return new Subscriber() {
            @Override
            public void deliver(Delivery delivery) {
            }
        };
    }

    @Test
    void theFirstSubscriberOfATopicDeclaresInterestOnce() {
        Subscriber first = subscriber();
        Subscriber second = subscriber();

        registry.add(news, first);
        registry.add(news, second);

        assertThat(interest.calls()).containsExactly("+news");
        assertThat(registry.subscribers(news)).containsExactly(first, second);
        assertThat(registry.topicCount()).isEqualTo(1);
        assertThat(registry.subscriptionCount()).isEqualTo(2);
    }

    @Test
    void addTellsWhetherItMadeTheTopicsFirstSubscriber() {
        Subscriber first = subscriber();
        Subscriber second = subscriber();

        assertThat(registry.add(news, first)).isTrue();
        assertThat(registry.add(news, second)).isFalse();
        assertThat(registry.add(news, first)).as("already there").isFalse();
        registry.remove(news, first);
        registry.remove(news, second);
        assertThat(registry.add(news, second)).as("a new period of interest").isTrue();
    }

    @Test
    void onlyTheLastRemovalEndsTheInterest() {
        Subscriber first = subscriber();
        Subscriber second = subscriber();
        registry.add(news, first);
        registry.add(news, second);

        registry.remove(news, first);
        assertThat(interest.calls()).containsExactly("+news");
        assertThat(registry.subscribers(news)).containsExactly(second);

        registry.remove(news, second);
        assertThat(interest.calls()).containsExactly("+news", "-news");
        assertThat(registry.subscribers(news)).isEmpty();
        assertThat(registry.topicCount()).isZero();
        assertThat(registry.subscriptionCount()).isZero();
    }

    @Test
    void addingTheSameSubscriberTwiceHasNoEffect() {
        Subscriber subscriber = subscriber();
        registry.add(news, subscriber);
        registry.add(news, subscriber);

        assertThat(registry.subscribers(news)).containsExactly(subscriber);
        registry.remove(news, subscriber);
        assertThat(interest.calls()).containsExactly("+news", "-news");
    }

    @Test
    void removingTwiceOrRemovingAnAbsentSubscriberHasNoEffect() {
        Subscriber subscriber = subscriber();
        Subscriber stranger = subscriber();
        registry.remove(news, subscriber); // a topic nobody holds
        registry.add(news, subscriber);
        registry.remove(news, stranger); // a subscriber the topic does not hold

        registry.remove(news, subscriber);
        registry.remove(news, subscriber);

        assertThat(interest.calls()).containsExactly("+news", "-news");
        assertThat(registry.topicCount()).isZero();
    }

    @Test
    void topicsAreIndependent() {
        Subscriber subscriber = subscriber();
        registry.add(news, subscriber);
        registry.add(sport, subscriber);

        registry.remove(news, subscriber);

        assertThat(interest.calls()).containsExactly("+news", "+sport", "-news");
        assertThat(registry.subscribers(sport)).containsExactly(subscriber);
        assertThat(registry.topicCount()).isEqualTo(1);
    }

    @Test
    void aTopicCanBeWantedAgainAfterItsLastSubscriberLeft() {
        Subscriber subscriber = subscriber();
        registry.add(news, subscriber);
        registry.remove(news, subscriber);

        registry.add(news, subscriber);

        assertThat(interest.calls()).containsExactly("+news", "-news", "+news");
    }

    @Test
    void aSnapshotOfSubscribersDoesNotChangeWithLaterChanges() {
        Subscriber first = subscriber();
        Subscriber second = subscriber();
        registry.add(news, first);
        Subscriber[] snapshot = registry.subscribers(news);

        registry.add(news, second);
        registry.remove(news, first);

        assertThat(snapshot).containsExactly(first);
        assertThat(registry.subscribers(news)).containsExactly(second);
    }

    @Test
    void aMiddleSubscriberIsRemovedKeepingTheOthersInOrder() {
        Subscriber a = subscriber();
        Subscriber b = subscriber();
        Subscriber c = subscriber();
        registry.add(news, a);
        registry.add(news, b);
        registry.add(news, c);

        registry.remove(news, b);

        assertThat(registry.subscribers(news)).containsExactly(a, c);
    }

    @Test
    void concurrentAddsAndRemovesEndConsistentWithBalancedInterest() throws Exception {
        int threads = 4;
        int rounds = 2_000;
        List<Topic> topics = List.of(Topic.channel("t0"), Topic.channel("t1"), Topic.channel("t2"));
        CountDownLatch start = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        List<Subscriber> kept = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Subscriber mine = subscriber();
            Subscriber stays = subscriber();
            kept.add(stays);
            int offset = t;
            Thread worker = new Thread(() -> {
                try {
                    if (!start.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("not started");
                    }
                    for (int i = 0; i < rounds; i++) {
                        Topic topic = topics.get((i + offset) % topics.size());
                        registry.add(topic, mine);
                        registry.add(topic, mine);
                        registry.remove(topic, mine);
                        registry.remove(topic, mine);
                    }
                    registry.add(topics.get(0), stays); // each thread leaves one subscriber on t0
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "registry-" + t);
            workers.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(30_000);
            assertThat(worker.isAlive()).isFalse();
        }

        assertThat(failure.get()).isNull();
        assertThat(registry.subscribers(topics.get(0))).containsExactlyInAnyOrderElementsOf(kept);
        assertThat(registry.subscribers(topics.get(1))).isEmpty();
        assertThat(registry.subscribers(topics.get(2))).isEmpty();
        assertThat(registry.topicCount()).isEqualTo(1);
        assertThat(registry.subscriptionCount()).isEqualTo(threads);
        // Per topic, the decisions alternate, starting with interest: never two firsts or two lasts in a row.
        Map<String, String> lastCall = new HashMap<>();
        for (String call : interest.calls()) {
            String topic = call.substring(1);
            String previous = lastCall.put(topic, call);
            assertThat(call.charAt(0)).as("after %s", previous)
                    .isEqualTo(previous == null || previous.charAt(0) == '-' ? '+' : '-');
        }
        assertThat(lastCall).containsOnly(Map.entry("t0", "+t0"), Map.entry("t1", "-t1"), Map.entry("t2", "-t2"));
    }
}
