package io.switchboard.it.support;

import io.switchboard.testkit.Await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * What every fleet of clients of one node shares, whatever transport its members speak: one thread with a selector
 * opens the members a bounded number at a time, runs the tasks other threads hand it, and passes every selected key
 * to its member; what the members receive and how they end is counted by key, so that the test thread can wait on
 * the counts and name them when a wait fails. The kinds: {@link SocketFleet} (WebSockets), {@link SseFleet}.
 *
 * <p>Threading: the members, the read buffer and whatever a kind marks "fleet thread only" belong to the fleet's
 * thread; other threads hand it work with {@link #execute(Runnable)} and read only the counters, which are
 * concurrent.
 *
 * @param <M> a member: one client, with its socket or sockets
 */
public abstract sealed class Fleet<M> implements AutoCloseable permits SocketFleet, SseFleet {

    // Read by the fleet's members, as are the counters and the read buffer.
    final InetSocketAddress address;
    final int receiveBuffer;
    final Selector selector;
    final AtomicLong welcomed = new AtomicLong();
    final AtomicLong ended = new AtomicLong();
    private final String kind;
    private final String membersNoun;
    private final int size;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    // Fleet thread only.
    private final List<M> members = new ArrayList<>();
    final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private volatile boolean closing;
    private volatile Throwable failure;

    /**
     * @param kind          names the fleet in failures ({@code the SSE fleet failed}) and its thread
     *                      ({@code sse-fleet-node-1})
     * @param membersNoun   what its members are called in waits ({@code streams})
     * @param receiveBuffer the members' receive buffer in bytes (small for clients that will stop reading), 0: default
     */
    Fleet(String kind, String membersNoun, ServerNode node, int size, int receiveBuffer) {
        this.kind = kind;
        this.membersNoun = membersNoun;
        this.address = new InetSocketAddress("127.0.0.1", node.port());
        this.receiveBuffer = receiveBuffer;
        this.size = size;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new AssertionError("cannot open a selector", e);
        }
        this.thread = new Thread(this::run, kind.toLowerCase(Locale.ROOT).replace(' ', '-') + "-" + node.id());
        this.thread.setDaemon(true);
    }

    /** Starts the fleet's thread, which opens the members; once the kind is constructed, as its thread reads it. */
    final void start() {
        thread.start();
    }

    /** Waits until every member was welcomed; fails naming how the others ended. */
    public final void awaitWelcomed(Duration timeout) {
        await("all " + size + " " + membersNoun + " welcomed", timeout, () -> welcomed.get() >= size);
    }

    /** Waits until {@code condition} holds; fails with the fleet's counts, or at once if the fleet thread failed. */
    public final void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what + " (last value: the fleet's counts)", timeout, () -> {
            if (failure != null) {
                throw new AssertionError("the " + kind + " failed", failure);
            }
            return condition.getAsBoolean() ? null : counts();
        }, counts -> counts == null);
    }

    /** Runs {@code task} on the fleet's thread. */
    public final void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** What the members received and how they ended, by key (the kind's class comment lists them), and {@code welcomed}. */
    public final Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        copy.put("welcomed", welcomed.get());
        return copy;
    }

    /** How many times {@code key} (see {@link #counts()}) was counted so far. */
    public final long count(String key) {
        AtomicLong count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Members that ended: closed by the node, cut, or refused at their start. */
    public final long ended() {
        return ended.get();
    }

    public final int size() {
        return size;
    }

    /** Cuts every connection at once (no close handshake: the node sees the TCP connections end). */
    @Override
    public final void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    final void increment(String key) {
        counts.computeIfAbsent(key, ignored -> new AtomicLong()).incrementAndGet();
    }

    // ---- the fleet thread ----------------------------------------------------------------------------

    /** Whether another member may start opening now: each kind bounds how many are opening at once. */
    abstract boolean mayOpenAnother();

    /** Member {@code index}, opening (registered with the selector). */
    abstract M open(int index) throws IOException;

    /** Runs what is due before the selector waits; returns how long it may wait (0: until woken). */
    abstract long beforeSelect();

    /** Hands a selected key to the member's socket it is attached to. */
    abstract void ready(SelectionKey key);

    /** Closes the member's sockets, as the fleet stops. */
    abstract void release(M member);

    private void run() {
        try {
            int next = 0;
            while (!closing) {
                while (next < size && mayOpenAnother()) {
                    members.add(open(next++));
                }
                selector.select(beforeSelect());
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ready(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            members.forEach(this::release);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
