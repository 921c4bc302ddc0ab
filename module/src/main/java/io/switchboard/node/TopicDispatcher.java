package io.switchboard.node;

import io.switchboard.bus.Bus;
import io.switchboard.bus.BusMessage;
import io.switchboard.bus.History;
import io.switchboard.bus.Topic;
import io.switchboard.protocol.ChannelNames;
import io.switchboard.protocol.EventEnvelope;
import io.switchboard.protocol.Frames;
import io.switchboard.protocol.Offset;
import io.switchboard.registry.Delivery;
import io.switchboard.registry.Registry;
import io.switchboard.registry.Subscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.TreeMap;

/**
 * Puts one topic's events in order on this node and hands each, encoded once, to the topic's
 * local subscribers.
 *
 * <p>Sequence numbers are contiguous, so a missing event is visible: when {@code n+2} arrives
 * after {@code n} (pub/sub dropped a message, e.g. during a Redis reconnect), {@code n+2} waits
 * while {@code n+1} is fetched from history; duplicates are dropped.
 *
 * <p><b>Concurrency.</b> Work arrives from the bus thread (messages) and from history reads
 * (repairs); it is queued in {@code inbox} and run by one thread at a time, whichever finds the
 * inbox idle, so the state below needs no lock and no lock is held while subscribers write to
 * their sockets.
 */
final class TopicDispatcher {
    private static final Logger log = LoggerFactory.getLogger(TopicDispatcher.class);

    private final Topic topic;
    private final Registry registry;
    private final Bus bus;
    private final NodeStats stats;
    private final int historyLimit;
    private final Queue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    // Touched only by the thread draining the inbox:
    private final TreeMap<Long, BusMessage> waiting = new TreeMap<>();
    private Offset last;
    private boolean repairing;

    TopicDispatcher(Topic topic, Registry registry, Bus bus, NodeStats stats, int historyLimit) {
        this.topic = topic;
        this.registry = registry;
        this.bus = bus;
        this.stats = stats;
        this.historyLimit = historyLimit;
    }

    void onMessage(BusMessage message) {
        run(() -> accept(message));
    }

    /** Where the topic stood when the node subscribed, unless an event already told us more. */
    void baseline(Offset current) {
        run(() -> {
            if (last == null) {
                last = current;
            }
        });
    }

    private void run(Runnable task) {
        inbox.add(task);
        while (draining.compareAndSet(false, true)) {
            Runnable next;
            while ((next = inbox.poll()) != null) {
                try {
                    next.run();
                } catch (RuntimeException e) {
                    log.warn("Topic {}: dispatch failed", topic, e);
                }
            }
            draining.set(false);
            if (inbox.isEmpty()) {
                return;
            }
        }
    }

    /**
     * The bus subscription was interrupted and is back: fetch from history what was published
     * after the last event delivered here, and deliver it in order before anything newer.
     */
    void resume() {
        run(() -> {
            if (last == null) {
                return; // nothing delivered and no baseline yet: nothing this node could have missed
            }
            Offset from = last;
            bus.history(topic, Optional.of(from), historyLimit)
                    .whenComplete((history, error) -> run(() -> resumed(from, history, error)));
        });
    }

    private void resumed(Offset from, History history, Throwable error) {
        if (error != null) {
            log.warn("Topic {}: could not fetch what was missed after {}: {}", topic, from, error.getMessage());
            return;
        }
        if (!history.current().sameEpoch(from)) {
            // Redis lost the topic (restarted empty): what exists now is the new epoch from its start.
            log.warn("Topic {}: history was lost while the bus was down (epoch {} -> {}); delivering the new epoch",
                    topic, from.epoch(), history.current().epoch());
            if (!last.sameEpoch(history.current())) {
                waiting.clear();
                last = new Offset(history.current().epoch(), 0);
            }
            Offset start = new Offset(history.current().epoch(), 0);
            bus.history(topic, Optional.of(start), historyLimit)
                    .whenComplete((fresh, failed) -> run(() -> resumed(start, fresh, failed)));
            return;
        }
        if (!history.events().isEmpty()) {
            log.info("Topic {}: delivering {} event(s) missed while the bus was interrupted", topic, history.events().size());
        }
        history.events().forEach(this::accept);
        if (!history.recovered()) {
            long lost = history.events().isEmpty()
                    ? history.current().seq() - from.seq()
                    : history.events().get(0).offset().seq() - from.seq() - 1;
            if (lost > 0) {
                stats.lostOnBus(lost);
            }
            log.warn("Topic {}: history no longer holds everything after {}", topic, from);
        }
    }

    /** Turns a bus message into the delivery every subscriber shares; also used for replays. */
    static Optional<Delivery> toDelivery(BusMessage message) {
        try {
            EventEnvelope envelope = EventEnvelope.decode(message.envelope());
            String channel = message.topic().kind() == Topic.Kind.USER
                    ? ChannelNames.USER_CHANNEL : message.topic().name();
            String frame = Frames.event(channel, envelope.event(), envelope.data(), message.offset());
            return Optional.of(new Delivery(message.topic(), message.offset(), envelope, frame));
        } catch (IllegalArgumentException e) {
            log.warn("Skipped event {} on {}: {}", message.offset(), message.topic(), e.getMessage());
            return Optional.empty();
        }
    }

    private void accept(BusMessage message) {
        Offset offset = message.offset();
        if (last == null) {
            deliver(message);
            return;
        }
        if (!last.sameEpoch(offset)) {
            // The topic's history was lost (Redis restarted empty) and a new sequence began at 1:
            // events of the new epoch before this one are a gap like any other.
            log.info("Topic {} started a new epoch ({} after {}): its history was lost", topic, offset, last);
            waiting.clear();
            last = new Offset(offset.epoch(), 0);
        }
        if (offset.seq() <= last.seq()) {
            return; // a duplicate: already delivered (e.g. both live and by a repair)
        }
        if (offset.seq() == last.seq() + 1) {
            deliver(message);
            deliverWaiting();
            return;
        }
        waiting.put(offset.seq(), message);
        if (!repairing) {
            repair();
        }
    }

    private void repair() {
        repairing = true;
        Offset from = last;
        int missing = (int) Math.min(Integer.MAX_VALUE, waiting.firstKey() - from.seq() - 1);
        log.info("Topic {}: {} event(s) after {} missed on the bus; fetching them from history", topic, missing, from);
        bus.history(topic, Optional.of(from), missing).whenComplete((history, error) -> run(() -> repaired(history, error)));
    }

    private void repaired(History history, Throwable error) {
        repairing = false;
        if (error == null) {
            history.events().forEach(this::accept);
        }
        if (!waiting.isEmpty() && waiting.firstKey() > last.seq() + 1) {
            long lost = waiting.firstKey() - last.seq() - 1;
            stats.lostOnBus(lost);
            log.warn("Topic {}: {} event(s) after {} are no longer in history ({}); delivering what follows",
                    topic, lost, last, error == null ? "trimmed or expired" : error.getMessage());
            last = new Offset(last.epoch(), waiting.firstKey() - 1);
            deliverWaiting();
        }
    }

    private void deliverWaiting() {
        while (!waiting.isEmpty() && waiting.firstKey() <= last.seq() + 1) {
            BusMessage next = waiting.pollFirstEntry().getValue();
            if (next.offset().seq() == last.seq() + 1) {
                deliver(next);
            }
        }
    }

    private void deliver(BusMessage message) {
        last = message.offset();
        Optional<Delivery> delivery = toDelivery(message);
        if (delivery.isEmpty()) {
            return;
        }
        Subscriber[] subscribers = registry.subscribers(topic);
        for (Subscriber subscriber : subscribers) {
            try {
                subscriber.deliver(delivery.get());
            } catch (RuntimeException e) {
                log.warn("A subscriber of {} failed on event {}", topic, message.offset(), e);
            }
        }
        stats.delivered(subscribers.length);
    }
}
