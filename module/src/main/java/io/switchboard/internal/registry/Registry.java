package io.switchboard.internal.registry;

import io.switchboard.internal.protocol.Topic;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which local subscribers hold which topic.
 *
 * <p><b>Concurrency.</b> Changes of a topic take its lock (one of {@link #LOCKS}, by the topic's
 * hash), so a topic's "first subscriber" and "last subscriber" decisions are never interleaved; the
 * {@link InterestListener} is called under that lock, in the order of the topic's changes, and must
 * only record the decision (no I/O). Changes of topics under different locks do not wait for each
 * other: a burst of connections subscribing to channels of their own does not queue on one lock.
 * Readers ({@link #subscribers}) take no lock: each topic's subscribers are an array replaced on
 * every change, never mutated.
 */
public final class Registry {
    private static final Subscriber[] NONE = new Subscriber[0];

    /** Told when a topic gains its first or loses its last local subscriber. */
    public interface InterestListener {
        void interested(Topic topic);

        void uninterested(Topic topic);
    }

    /** Locks a topic's changes may take: a power of two. */
    private static final int LOCKS = 64;
    private final Object[] locks = new Object[LOCKS];
    private final Map<Topic, Subscriber[]> byTopic = new ConcurrentHashMap<>(); // a topic's entry written under its lock
    private final InterestListener interest;

    public Registry(InterestListener interest) {
        this.interest = interest;
        for (int i = 0; i < LOCKS; i++) {
            locks[i] = new Object();
        }
    }

    private Object lockOf(Topic topic) {
        int hash = topic.hashCode();
        return locks[(hash ^ (hash >>> 16)) & (LOCKS - 1)];
    }

    /**
     * Adds {@code subscriber} to {@code topic}; adding the same one twice has no effect.
     *
     * @return whether this made the topic's first subscriber (and so declared interest in it)
     */
    public boolean add(Topic topic, Subscriber subscriber) {
        synchronized (lockOf(topic)) {
            Subscriber[] current = byTopic.getOrDefault(topic, NONE);
            for (Subscriber existing : current) {
                if (existing == subscriber) {
                    return false;
                }
            }
            Subscriber[] next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = subscriber;
            byTopic.put(topic, next);
            if (current.length == 0) {
                interest.interested(topic);
                return true;
            }
            return false;
        }
    }

    /** Removes {@code subscriber} from {@code topic}; removing an absent one has no effect. */
    public void remove(Topic topic, Subscriber subscriber) {
        synchronized (lockOf(topic)) {
            Subscriber[] current = byTopic.get(topic);
            if (current == null) {
                return;
            }
            int index = -1;
            for (int i = 0; i < current.length; i++) {
                if (current[i] == subscriber) {
                    index = i;
                    break;
                }
            }
            if (index < 0) {
                return;
            }
            if (current.length == 1) {
                byTopic.remove(topic);
                interest.uninterested(topic);
                return;
            }
            Subscriber[] next = new Subscriber[current.length - 1];
            System.arraycopy(current, 0, next, 0, index);
            System.arraycopy(current, index + 1, next, index, current.length - index - 1);
            byTopic.put(topic, next);
        }
    }

    /** A snapshot of the topic's subscribers; never null. */
    public Subscriber[] subscribers(Topic topic) {
        return byTopic.getOrDefault(topic, NONE);
    }

    public int topicCount() {
        return byTopic.size();
    }

    /** Topics of one kind with at least one subscriber. */
    public int topicCount(Topic.Kind kind) {
        int count = 0;
        for (Topic topic : byTopic.keySet()) {
            if (topic.kind() == kind) {
                count++;
            }
        }
        return count;
    }

    public int subscriptionCount() {
        return byTopic.values().stream().mapToInt(subscribers -> subscribers.length).sum();
    }
}
