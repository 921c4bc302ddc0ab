package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * Thousands of raw WebSocket connections to one node, driven by one thread with a selector, the way a load
 * generator opens them: no thread and only a few KiB per connection. What each connection does is a
 * {@link Script} called on that thread; connections can stop reading for good ({@link Connection#stopReading()}),
 * so that their receive buffers fill and the node's writes to them stall, like a hostile client's.
 *
 * <p>Every frame received is counted by its op (errors by their code, e.g. {@code error:rate_limited}) and every
 * end of a connection by its close code ({@code close:1013}, {@code close:-1} when the TCP connection ended
 * without a close frame), see {@link #counts()}. The fleet answers the server's {@code ping}s by itself on
 * connections that read.
 *
 * <p>Threading: connections, scripts and timers belong to the fleet's thread; other threads hand it work with
 * {@link #execute(Runnable)} and read only the counters, which are concurrent.
 */
public final class SocketFleet implements AutoCloseable {

    /** What every connection of a fleet does, called on the fleet's thread. */
    public interface Script {
        /** The connection was welcomed. */
        void welcomed(Connection connection);

        /** A text frame arrived (the {@code welcome} excepted), parsed. */
        void received(Connection connection, JsonNode frame);

        /** The connection ended: closed by the server, reset, or refused at the handshake. */
        default void ended(Connection connection) {
        }
    }

    private static final int MAX_PENDING_HANDSHAKES = 256;
    private static final int READ_CHUNK = 8192;

    private final InetSocketAddress address;
    private final IntFunction<String> request;
    private final int receiveBuffer;
    private final Script script;
    private final int size;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong welcomed = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final AtomicLong unsent = new AtomicLong();
    // Fleet thread only.
    private final List<Connection> connections = new ArrayList<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private int handshaking;
    private long timerSequence;
    private volatile boolean closing;
    private volatile Throwable failure;

    private SocketFleet(ServerNode node, int size, IntFunction<String> request, int receiveBuffer, Script script)
            throws IOException {
        this.address = new InetSocketAddress("127.0.0.1", node.port());
        this.request = request;
        this.receiveBuffer = receiveBuffer;
        this.script = script;
        this.size = size;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "socket-fleet-" + node.id());
        this.thread.setDaemon(true);
    }

    /**
     * Opens {@code size} connections to {@code node} (at most a few hundred handshakes at a time) and returns at
     * once; see {@link #awaitWelcomed}.
     *
     * @param pathAndQuery  the request target of connection {@code i}, e.g. {@code /switchboard/ws?token=...}
     * @param receiveBuffer the sockets' receive buffer in bytes (small for clients that will stop reading), 0: default
     */
    public static SocketFleet open(ServerNode node, int size, IntFunction<String> pathAndQuery, int receiveBuffer,
                                   Script script) {
        try {
            SocketFleet fleet = new SocketFleet(node, size, pathAndQuery, receiveBuffer, script);
            fleet.thread.start();
            return fleet;
        } catch (IOException e) {
            throw new AssertionError("cannot open a selector", e);
        }
    }

    /** {@link #open(ServerNode, int, IntFunction, int, Script)} on {@code /switchboard/ws} with the default buffer. */
    public static SocketFleet open(ServerNode node, int size, Script script) {
        return open(node, size, i -> "/switchboard/ws", 0, script);
    }

    /** Waits until every connection was welcomed; fails naming how the others ended. */
    public void awaitWelcomed(Duration timeout) {
        await("all " + size + " connections welcomed", timeout, () -> welcomed.get() >= size);
    }

    /** Waits until {@code condition} holds; fails with the fleet's counts, or at once if the fleet thread failed. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what + " (last value: the fleet's counts)", timeout, () -> {
            if (failure != null) {
                throw new AssertionError("the socket fleet failed", failure);
            }
            return condition.getAsBoolean() ? null : counts();
        }, counts -> counts == null);
    }

    /** Runs {@code task} on the fleet's thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    /** Frames received by op ({@code error:<code>} for errors), ends by {@code close:<code>}, handshake refusals. */
    public Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        copy.put("welcomed", welcomed.get());
        return copy;
    }

    /** How many frames of {@code key} (see {@link #counts()}) arrived so far. */
    public long count(String key) {
        AtomicLong count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Connections that ended (closed by the server, reset, or refused at the handshake). */
    public long ended() {
        return ended.get();
    }

    public int size() {
        return size;
    }

    /** Bytes the connections were given to send that their sockets have not taken yet (ended ones not counted). */
    public long unsent() {
        return unsent.get();
    }

    /** Closes every connection at once (no close handshake: the node sees the TCP connections end). */
    @Override
    public void close() {
        closing = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void increment(String key) {
        counts.computeIfAbsent(key, ignored -> new AtomicLong()).incrementAndGet();
    }

    // ---- the fleet thread ----------------------------------------------------------------------------

    private void run() {
        try {
            int next = 0;
            while (!closing) {
                while (next < size && handshaking < MAX_PENDING_HANDSHAKES) {
                    connections.add(new Connection(next++));
                }
                long wait = runTimers();
                selector.select(wait);
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((Connection) key.attachment()).ready(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            connections.forEach(Connection::closeSocket);
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** Runs the timers that are due; returns how long the selector may sleep (0: until woken). */
    private long runTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().due - now <= 0) {
            timers.poll().task.run();
        }
        return timers.isEmpty() ? 0 : Math.max(1, (timers.peek().due - now) / 1_000_000);
    }

    private record Timer(long due, long sequence, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer other) {
            int byDue = Long.compare(due - other.due, 0);
            return byDue != 0 ? byDue : Long.compare(sequence, other.sequence);
        }
    }

    private enum State { CONNECTING, HANDSHAKE, OPEN, ENDED }

    /** One connection; every method runs on the fleet's thread. */
    public final class Connection {
        private final int index;
        private final SocketChannel channel;
        private final SelectionKey key;
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private byte[] in = new byte[1024];
        private int inLength;
        private byte[] message; // a fragmented message being joined, or null
        private int messageLength;
        private State state = State.CONNECTING;
        private boolean reading = true;
        private int closeCode;

        private Connection(int index) throws IOException {
            this.index = index;
            this.channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (receiveBuffer > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            handshaking++;
            this.key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            if (channel.connect(address)) {
                connected();
            }
        }

        public int index() {
            return index;
        }

        /** Still open (welcomed, not ended). */
        public boolean isOpen() {
            return state == State.OPEN;
        }

        /** The close code the server ended it with, -1 if the TCP connection ended without one, 0 while open. */
        public int closeCode() {
            return closeCode;
        }

        /** Sends one text frame (queued behind what the socket has not taken yet). Ignored once ended. */
        public void send(String text) {
            send(encode(text.getBytes(StandardCharsets.UTF_8)));
        }

        /** Sends a frame made by {@link #encode}: the same bytes may be sent many times, on any connection. */
        public void send(byte[] frame) {
            if (state == State.ENDED) {
                return;
            }
            out.add(ByteBuffer.wrap(frame));
            unsent.addAndGet(frame.length);
            if (state == State.OPEN) {
                flush();
            }
        }

        /** Bytes queued here that the socket has not taken yet. */
        public long unsent() {
            long bytes = 0;
            for (ByteBuffer buffer : out) {
                bytes += buffer.remaining();
            }
            return bytes;
        }

        /** From now on nothing is read: the receive buffer fills and the server's writes stall. */
        public void stopReading() {
            reading = false;
            interest();
        }

        /** Reads again after {@link #stopReading()}: what the node queued meanwhile arrives, or how it closed. */
        public void resumeReading() {
            reading = true;
            interest();
        }

        /** Runs {@code task} on the fleet's thread after {@code delay}. */
        public void after(Duration delay, Runnable task) {
            timers.add(new Timer(System.nanoTime() + delay.toNanos(), timerSequence++, task));
        }

        private void ready(SelectionKey selected) {
            try {
                if (!selected.isValid()) {
                    return;
                }
                if (selected.isConnectable() && channel.finishConnect()) {
                    connected();
                }
                if (selected.isValid() && selected.isWritable()) {
                    flush();
                }
                if (selected.isValid() && selected.isReadable()) {
                    read();
                }
            } catch (IOException e) {
                end(-1, e.getClass().getSimpleName());
            }
        }

        private void connected() throws IOException {
            state = State.HANDSHAKE;
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String head = "GET " + request.apply(index) + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + address.getPort() + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + "Origin: http://127.0.0.1:" + address.getPort() + "\r\n\r\n";
            byte[] request = head.getBytes(StandardCharsets.US_ASCII);
            out.addFirst(ByteBuffer.wrap(request));
            unsent.addAndGet(request.length);
            flush();
        }

        private void flush() {
            try {
                while (!out.isEmpty()) {
                    ByteBuffer buffer = out.peek();
                    unsent.addAndGet(-channel.write(buffer));
                    if (buffer.hasRemaining()) {
                        break;
                    }
                    out.poll();
                }
                interest();
            } catch (IOException e) {
                end(-1, e.getClass().getSimpleName());
            }
        }

        private void interest() {
            if (state == State.ENDED || !key.isValid()) {
                return;
            }
            int ops = (out.isEmpty() ? 0 : SelectionKey.OP_WRITE)
                    | (reading || state != State.OPEN ? SelectionKey.OP_READ : 0);
            key.interestOps(ops);
        }

        private void read() throws IOException {
            readBuffer.clear();
            int read = channel.read(readBuffer);
            if (read < 0) {
                end(-1, "eof");
                return;
            }
            readBuffer.flip();
            ensureCapacity(inLength + readBuffer.remaining());
            readBuffer.get(in, inLength, readBuffer.remaining());
            inLength += read;
            int consumed = state == State.HANDSHAKE ? handshake() : 0;
            while (state == State.OPEN && consumed < inLength) {
                int frame = frame(consumed);
                if (frame == 0) {
                    break;
                }
                consumed += frame;
            }
            System.arraycopy(in, consumed, in, 0, inLength - consumed);
            inLength -= consumed;
            if (in.length > READ_CHUNK && inLength < READ_CHUNK / 2) {
                in = Arrays.copyOf(in, READ_CHUNK); // a large frame passed: give its room back
            }
        }

        /** Parses the handshake answer; returns the bytes it took, 0 while incomplete. */
        private int handshake() {
            String text = new String(in, 0, inLength, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                return 0;
            }
            String status = text.substring(0, text.indexOf("\r\n"));
            if (!status.startsWith("HTTP/1.1 101")) {
                increment("handshake:" + status.substring(Math.min(status.length(), 9)).trim());
                end(-1, "refused");
                return inLength;
            }
            state = State.OPEN;
            handshaking--;
            interest();
            return end + 4;
        }

        /** Parses one server frame at {@code start}; returns its length, 0 while incomplete. */
        private int frame(int start) {
            if (inLength - start < 2) {
                return 0;
            }
            int first = in[start] & 0xff;
            int second = in[start + 1] & 0x7f;
            int header = 2;
            long length = second;
            if (second == 126) {
                header = 4;
                if (inLength - start < header) {
                    return 0;
                }
                length = ((in[start + 2] & 0xff) << 8) | (in[start + 3] & 0xff);
            } else if (second == 127) {
                header = 10;
                if (inLength - start < header) {
                    return 0;
                }
                length = 0;
                for (int i = 2; i < 10; i++) {
                    length = (length << 8) | (in[start + i] & 0xff);
                }
            }
            if (inLength - start < header + length) {
                ensureCapacity((int) (header + length));
                return 0;
            }
            int payload = start + header;
            int opcode = first & 0x0f;
            boolean fin = (first & 0x80) != 0;
            if (opcode == 0x8) {
                end(length >= 2 ? ((in[payload] & 0xff) << 8) | (in[payload + 1] & 0xff) : 1005, "close frame");
                return inLength - start;
            }
            if (opcode == 0x9) {
                byte[] pong = Arrays.copyOfRange(in, payload, payload + (int) length);
                send(encode(0xA, pong));
            } else if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0) {
                if (opcode != 0) {
                    messageLength = 0;
                    message = fin ? null : new byte[(int) Math.max(1024, length * 2)];
                }
                if (fin && message == null) {
                    text(new String(in, payload, (int) length, StandardCharsets.UTF_8));
                } else if (message != null) {
                    if (messageLength + length > message.length) {
                        message = Arrays.copyOf(message, (int) Math.max(message.length * 2L, messageLength + length));
                    }
                    System.arraycopy(in, payload, message, messageLength, (int) length);
                    messageLength += (int) length;
                    if (fin) {
                        String text = new String(message, 0, messageLength, StandardCharsets.UTF_8);
                        message = null;
                        text(text);
                    }
                }
            }
            return (int) (header + length);
        }

        private void text(String text) {
            JsonNode frame;
            try {
                frame = Json.parse(text);
            } catch (RuntimeException e) {
                increment("unparseable");
                return;
            }
            String op = frame.path("op").asText();
            if ("welcome".equals(op)) {
                welcomed.incrementAndGet();
                script.welcomed(this);
                return;
            }
            increment("error".equals(op) ? "error:" + frame.path("code").asText() : op);
            if ("ping".equals(op)) {
                send("{\"op\":\"pong\"}");
            }
            script.received(this, frame);
        }

        private void ensureCapacity(int bytes) {
            if (bytes > in.length) {
                in = Arrays.copyOf(in, Math.max(bytes, in.length * 2));
            }
        }

        private void end(int code, String why) {
            if (state == State.ENDED) {
                return;
            }
            if (state != State.OPEN) {
                handshaking--;
                if (!"refused".equals(why)) {
                    increment("handshake:" + why);
                }
            }
            state = State.ENDED;
            closeCode = code;
            unsent.addAndGet(-unsent());
            out.clear();
            increment("close:" + code);
            ended.incrementAndGet();
            closeSocket();
            script.ended(this);
        }

        private void closeSocket() {
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** A masked text frame carrying {@code payload}, ready for {@link Connection#send(byte[])}. */
    public static byte[] encode(byte[] payload) {
        return encode(0x1, payload);
    }

    private static byte[] encode(int opcode, byte[] payload) {
        int header = payload.length < 126 ? 6 : payload.length < 65536 ? 8 : 14;
        byte[] frame = new byte[header + payload.length];
        frame[0] = (byte) (0x80 | opcode);
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >>> 8);
            frame[3] = (byte) payload.length;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) payload.length >>> (56 - 8 * i));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, frame, header - 4, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[header + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        return frame;
    }
}
