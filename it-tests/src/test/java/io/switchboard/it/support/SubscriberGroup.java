package io.switchboard.it.support;

import io.switchboard.testkit.Await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Many {@link ReconnectingClient}s subscribed to the same channels, spread over the nodes (client {@code i}
 * starts on node {@code firstNode + i}, modulo the node count), measured together and all closed by
 * {@link #close()}.
 */
public final class SubscriberGroup implements AutoCloseable {

    private final List<String> channels;
    private final List<ReconnectingClient> clients;

    private SubscriberGroup(List<String> channels, List<ReconnectingClient> clients) {
        this.channels = channels;
        this.clients = clients;
    }

    /** Starts {@code count} clients on one channel and waits until all are subscribed. */
    public static SubscriberGroup start(String name, List<ServerNode> nodes, int firstNode, int count, String channel,
                                        Duration timeout) {
        return start(name, nodes, firstNode, count, List.of(channel), timeout);
    }

    /** Starts {@code count} clients, each subscribing to every one of {@code channels}, and waits until all are subscribed. */
    public static SubscriberGroup start(String name, List<ServerNode> nodes, int firstNode, int count, List<String> channels,
                                        Duration timeout) {
        return start(name, ClientLink.Transport.WEBSOCKET, nodes, firstNode, count, channels, timeout);
    }

    /**
     * Starts {@code count} clients over SSE (each one's stream on one node, its requests POSTed to the others)
     * on one channel, and waits until all are subscribed.
     */
    public static SubscriberGroup startOverSse(String name, List<ServerNode> nodes, int firstNode, int count, String channel,
                                               Duration timeout) {
        return start(name, ClientLink.Transport.SSE, nodes, firstNode, count, List.of(channel), timeout);
    }

    private static SubscriberGroup start(String name, ClientLink.Transport transport, List<ServerNode> nodes, int firstNode,
                                         int count, List<String> channels, Duration timeout) {
        List<ReconnectingClient> clients = new ArrayList<>(count);
        SubscriberGroup group = new SubscriberGroup(List.copyOf(channels), clients);
        try {
            for (int i = 0; i < count; i++) {
                clients.add(ReconnectingClient.start(name + "-" + i, transport, nodes, firstNode + i,
                        channels.toArray(String[]::new)));
            }
            group.awaitAll("subscribed to " + channels, timeout,
                    client -> client.subscribedReplies().size() >= channels.size());
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
        return group;
    }

    public List<ReconnectingClient> clients() {
        return List.copyOf(clients);
    }

    public int size() {
        return clients.size();
    }

    /** The clients whose current connection is held by {@code nodeId}, as a group of their own (same clients). */
    public SubscriberGroup on(String nodeId) {
        return new SubscriberGroup(channels, clients.stream().filter(client -> nodeId.equals(client.node()))
                .collect(Collectors.toList()));
    }

    /** Waits until {@code condition} holds for every client; the failure describes up to three for which it does not. */
    public void awaitAll(String what, Duration timeout, Predicate<ReconnectingClient> condition) {
        Await.until("every one of " + clients.size() + " clients " + what, timeout,
                () -> describeFailing(condition, 3), List::isEmpty);
    }

    /**
     * Like {@link #awaitAll} but does not fail: returns the time from {@code sinceNanos} until it held for
     * every client, or empty if it still does not after {@code timeout}.
     */
    public Optional<Duration> timeUntilAll(long sinceNanos, Duration timeout, Predicate<ReconnectingClient> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!clients.stream().allMatch(condition)) {
            if (System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.of(Duration.ofNanos(System.nanoTime() - sinceNanos));
    }

    /** Descriptions of up to {@code limit} clients for which {@code condition} does not hold. */
    public List<String> describeFailing(Predicate<ReconnectingClient> condition, int limit) {
        return clients.stream().filter(condition.negate()).map(ReconnectingClient::describe).limit(limit)
                .collect(Collectors.toList());
    }

    /** How the clients' connections ended so far, by close code and reason (or error), with counts. */
    public Map<String, Long> closes() {
        Map<String, Long> closes = new TreeMap<>();
        clients.forEach(client -> client.closes().forEach(close -> closes.merge(close, 1L, Long::sum)));
        return closes;
    }

    /** {@link #awaitDelivery(String, Collection, Duration)} for the group's only (or first) channel. */
    public DeliveryTally awaitDelivery(Collection<String> expected, Duration timeout) {
        return awaitDelivery(channels.get(0), expected, timeout);
    }

    /**
     * Waits (up to {@code timeout}) until every client received every offset of {@code expected} on
     * {@code channel}, then counts. Returns the tally whether or not they all arrived: the caller records it,
     * then asserts.
     */
    public DeliveryTally awaitDelivery(String channel, Collection<String> expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        DeliveryTally tally = tally(channel, expected);
        while (tally.lost() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            tally = tally(channel, expected);
        }
        return tally;
    }

    /** Waits (up to {@code timeout}, without failing) until {@code client} received every offset of {@code expected} on {@code channel}. */
    public static void awaitReceived(ReconnectingClient client, String channel, Collection<String> expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (DeliveryTally.of(client.name(), expected, client.stream(channel)).lost() > 0
                && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The sum over all clients of what they received on {@code channel} against {@code expected}. */
    public DeliveryTally tally(String channel, Collection<String> expected) {
        DeliveryTally sum = DeliveryTally.none();
        for (ReconnectingClient client : clients) {
            sum = sum.plus(DeliveryTally.of(client + " " + channel, expected, client.stream(channel)));
        }
        return sum;
    }

    /**
     * The sum over all clients of what they received on {@code channel} against what each is owed
     * ({@code owed}), offsets compared by {@code order}.
     */
    public DeliveryTally tally(String channel, Function<ReconnectingClient, Collection<DeliveryTally.Owed>> owed,
                               EpochOrder order) {
        DeliveryTally sum = DeliveryTally.none();
        for (ReconnectingClient client : clients) {
            sum = sum.plus(DeliveryTally.of(client + " " + channel, owed.apply(client), client.stream(channel), order));
        }
        return sum;
    }

    /** Every client's stream of {@code channel}. */
    public List<ReconnectingClient.Stream> streams(String channel) {
        return clients.stream().map(client -> client.stream(channel)).collect(Collectors.toList());
    }

    /** How many frames (events and {@code subscribed}) the clients received on {@code channel} so far. */
    public long framesReceived(String channel) {
        long frames = 0;
        for (ReconnectingClient client : clients) {
            ReconnectingClient.Stream stream = client.stream(channel);
            frames += stream.frames().size() + stream.notices().size();
        }
        return frames;
    }

    @Override
    public void close() {
        clients.forEach(ReconnectingClient::close);
    }
}
