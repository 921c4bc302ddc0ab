package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;

import java.io.ByteArrayOutputStream;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Hundreds of clients of the SSE transport on one node, driven by one thread with a selector, as {@link SocketFleet}
 * drives WebSockets: each {@link Stream} is a {@code GET {prefix}/sse} whose messages it reads (or stops reading,
 * {@link Stream#stopReading()}), and a keep-alive connection of its own on which it POSTs its requests to
 * {@code {prefix}/sse/{session}} with the session's secret, pipelined: a request goes out without waiting for the
 * answers to the earlier ones, which HTTP/1.1 returns in order.
 *
 * <p>Counted ({@link #counts()}): every frame of a stream by its op ({@code error:<code>} for errors), every POST's
 * answer by its status ({@code post:202}), every end of a stream by the code of its {@code close} frame
 * ({@code close:-1} when the response ended without one), and POSTs whose connection ended before their answer
 * ({@code post:lost}).
 *
 * <p>Threading: streams and scripts belong to the fleet's thread; other threads read only the concurrent counters.
 */
public final class SseFleet implements AutoCloseable {

    /** What every stream of a fleet does, called on the fleet's thread. */
    public interface Script {
        /** The stream's {@code welcome} arrived: its requests may be POSTed. */
        void welcomed(Stream stream);

        /** A frame arrived on the stream (the {@code welcome} excepted), parsed. */
        void received(Stream stream, JsonNode frame);

        /** The answer to one of the stream's POSTs, in the order they were sent. */
        default void posted(Stream stream, int status) {
        }
    }

    private static final int MAX_PENDING_OPENS = 128;

    private final InetSocketAddress address;
    private final String origin;
    private final int receiveBuffer;
    private final Script script;
    private final int size;
    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong welcomed = new AtomicLong();
    private final AtomicLong ended = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    // Fleet thread only.
    private final List<Stream> streams = new ArrayList<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private int opening;
    private volatile boolean closing;
    private volatile Throwable failure;

    private SseFleet(ServerNode node, int size, int receiveBuffer, Script script) throws IOException {
        this.address = new InetSocketAddress("127.0.0.1", node.port());
        this.origin = "http://127.0.0.1:" + node.port();
        this.receiveBuffer = receiveBuffer;
        this.script = script;
        this.size = size;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "sse-fleet-" + node.id());
        this.thread.setDaemon(true);
    }

    /**
     * Opens {@code size} anonymous streams to {@code node} and returns at once; see {@link #awaitWelcomed}.
     *
     * @param receiveBuffer the streams' receive buffer in bytes (small for streams that will stop reading), 0: default
     */
    public static SseFleet open(ServerNode node, int size, int receiveBuffer, Script script) {
        try {
            SseFleet fleet = new SseFleet(node, size, receiveBuffer, script);
            fleet.thread.start();
            return fleet;
        } catch (IOException e) {
            throw new AssertionError("cannot open a selector", e);
        }
    }

    public void awaitWelcomed(Duration timeout) {
        await("all " + size + " streams welcomed", timeout, () -> welcomed.get() >= size);
    }

    /** Waits until {@code condition} holds; fails with the fleet's counts, or at once if the fleet thread failed. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        Await.until(what + " (last value: the fleet's counts)", timeout, () -> {
            if (failure != null) {
                throw new AssertionError("the SSE fleet failed", failure);
            }
            return condition.getAsBoolean() ? null : counts();
        }, counts -> counts == null);
    }

    /** Frames by op, POST answers by {@code post:<status>}, stream ends by {@code close:<code>}. */
    public Map<String, Long> counts() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((key, count) -> copy.put(key, count.get()));
        copy.put("welcomed", welcomed.get());
        return copy;
    }

    public long count(String key) {
        AtomicLong count = counts.get(key);
        return count == null ? 0 : count.get();
    }

    /** Streams that ended (a {@code close} frame, the response's end, or a refusal). */
    public long ended() {
        return ended.get();
    }

    /** POSTs sent whose answer has not arrived yet (lost ones not counted). */
    public long unanswered() {
        return unanswered.get();
    }

    /** Cuts every connection at once. */
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

    private void run() {
        try {
            int next = 0;
            while (!closing) {
                while (next < size && opening < MAX_PENDING_OPENS) {
                    streams.add(new Stream(next++));
                }
                selector.select(100);
                for (Runnable task; (task = tasks.poll()) != null; ) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((Socket) key.attachment()).ready(key);
                }
                selector.selectedKeys().clear();
            }
        } catch (Throwable e) {
            failure = e;
        } finally {
            for (Stream stream : streams) {
                stream.get.close();
                if (stream.post != null) {
                    stream.post.close();
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }

    /** One SSE client: its stream and its POST connection; every method runs on the fleet's thread. */
    public final class Stream {
        private final int index;
        private final Socket get;
        private Socket post; // opened at the first POST, again after the server ended it
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private boolean hasData;
        private String session;
        private String secret;
        private boolean open;
        private boolean done;

        private Stream(int index) throws IOException {
            this.index = index;
            opening++;
            String request = "GET /switchboard/sse HTTP/1.1\r\nHost: 127.0.0.1:" + address.getPort()
                    + "\r\nAccept: text/event-stream\r\nOrigin: " + origin + "\r\n\r\n";
            this.get = new Socket(receiveBuffer, false, new HttpResponses.Listener() {
                @Override
                public void head(int status) {
                    if (status != 200) {
                        increment("handshake:" + status);
                        end(-1);
                    }
                }

                @Override
                public void body(byte[] bytes, int offset, int length) {
                    streamed(bytes, offset, length);
                }

                @Override
                public void complete() {
                    end(-1);
                }
            }, () -> end(-1));
            get.write(request.getBytes(StandardCharsets.US_ASCII));
        }

        public int index() {
            return index;
        }

        /** Welcomed and not ended. */
        public boolean isOpen() {
            return open && !done;
        }

        /** POSTs {@code frame} as the body of a request to this stream's session, behind those not answered yet. */
        public void post(String frame) {
            post(frame, session, secret);
        }

        /** POSTs {@code frame} naming any session and secret (forged ones included), on this stream's connection. */
        public void post(String frame, String sessionId, String secretHeader) {
            if (post == null || post.ended) {
                post = openPost(true);
            }
            send(post, frame, sessionId, secretHeader, "");
        }

        /**
         * POSTs {@code frame} naming any session and secret on a connection of its own, closed after the answer:
         * for requests the node answers late, which would hold up those behind them on a shared connection.
         * Its answer is counted, not handed to the script.
         */
        public void postAlone(String frame, String sessionId, String secretHeader) {
            send(openPost(true), frame, sessionId, secretHeader, "Connection: close\r\n");
        }

        private void send(Socket socket, String frame, String sessionId, String secretHeader, String headers) {
            byte[] body = frame.getBytes(StandardCharsets.UTF_8);
            String head = "POST /switchboard/sse/" + sessionId + " HTTP/1.1\r\nHost: 127.0.0.1:" + address.getPort()
                    + "\r\nOrigin: " + origin + "\r\nX-Switchboard-Secret: " + secretHeader + "\r\n" + headers
                    + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] request = new byte[head.length() + body.length];
            System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, request, 0, head.length());
            System.arraycopy(body, 0, request, head.length(), body.length);
            socket.waiting++;
            if (socket.counted) {
                unanswered.incrementAndGet();
            }
            socket.write(request);
        }

        /** This stream's session id (known once welcomed). */
        public String session() {
            return session;
        }

        /** POSTs of this stream not answered yet. */
        public int unanswered() {
            return post == null ? 0 : post.waiting;
        }

        /** From now on the stream is not read: its receive buffer fills and the node's writes to it stall. */
        public void stopReading() {
            get.reading = false;
            get.interest();
        }

        /** A connection for POSTs; {@code counted}: their answers and losses are counted and unanswered. */
        private Socket openPost(boolean counted) {
            Socket[] socket = new Socket[1];
            int[] status = new int[1];
            socket[0] = new Socket(0, counted, new HttpResponses.Listener() {
                @Override
                public void head(int answered) {
                    status[0] = answered;
                    if (counted) {
                        increment("post:" + answered);
                    }
                }

                @Override
                public void body(byte[] bytes, int offset, int length) {
                }

                @Override
                public void complete() {
                    socket[0].waiting--;
                    if (counted) {
                        unanswered.decrementAndGet();
                    }
                    if (socket[0] == post) {
                        script.posted(Stream.this, status[0]);
                    }
                }
            }, () -> {
                if (socket[0].waiting == 0 || !counted) {
                    return;
                }
                for (; socket[0].waiting > 0; socket[0].waiting--) {
                    increment("post:lost");
                    unanswered.decrementAndGet();
                }
                if (socket[0] == post) {
                    script.posted(Stream.this, -1); // the script may go on, on a new connection
                }
            });
            return socket[0];
        }

        /** The stream's body: SSE lines, each message's data dispatched at the blank line that ends it. */
        private void streamed(byte[] bytes, int offset, int length) {
            for (int i = offset; i < offset + length && !done; i++) {
                if (bytes[i] != '\n') {
                    line.write(bytes[i]);
                    continue;
                }
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (text.isEmpty() && hasData) {
                    message(data.toString());
                    data.setLength(0);
                    hasData = false;
                } else if (text.startsWith("data:")) {
                    data.append(hasData ? "\n" : "").append(text.substring(text.startsWith("data: ") ? 6 : 5));
                    hasData = true;
                }
            }
        }

        private void message(String text) {
            JsonNode frame = Json.parse(text);
            String op = frame.path("op").asText();
            if (!open) {
                open = true;
                opening--;
                session = frame.path("session").asText();
                secret = frame.path("secret").asText();
                script.welcomed(this); // first: once counted as welcomed, what it does on its welcome is done
                welcomed.incrementAndGet();
                return;
            }
            if ("close".equals(op)) {
                end(frame.path("code").asInt(-1));
                return;
            }
            if ("ping".equals(op) && !frame.has("id")) {
                // The node's heartbeat: answered at once, beside the script's requests, and not counted with them.
                send(openPost(false), "{\"op\":\"pong\"}", session, secret, "Connection: close\r\n");
            }
            increment("error".equals(op) ? "error:" + frame.path("code").asText() : op);
            script.received(this, frame);
        }

        private void end(int code) {
            if (done) {
                return;
            }
            done = true;
            if (!open) {
                opening--;
            }
            increment("close:" + code);
            ended.incrementAndGet();
            get.close();
        }
    }

    /** A non-blocking socket that writes what it is given and feeds what it reads to an {@link HttpResponses}. */
    private final class Socket {
        private final SocketChannel channel;
        private final SelectionKey key;
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private final HttpResponses responses;
        private final Runnable onEnd;
        private boolean reading = true;
        private boolean connected;
        private boolean ended;
        private int waiting; // POSTs sent, not answered
        private final boolean counted;

        Socket(int receiveBuffer, boolean counted, HttpResponses.Listener listener, Runnable onEnd) {
            this.counted = counted;
            this.responses = new HttpResponses(listener);
            this.onEnd = onEnd;
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                if (receiveBuffer > 0) {
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
                }
                key = channel.register(selector, SelectionKey.OP_CONNECT, this);
                connected = channel.connect(address);
            } catch (IOException e) {
                throw new AssertionError("cannot open a socket to " + address, e);
            }
        }

        void write(byte[] bytes) {
            if (ended) {
                return;
            }
            out.add(ByteBuffer.wrap(bytes));
            if (connected) {
                flush();
            }
        }

        void ready(SelectionKey selected) {
            try {
                if (!selected.isValid()) {
                    return;
                }
                if (selected.isConnectable() && channel.finishConnect()) {
                    connected = true;
                    flush();
                }
                if (selected.isValid() && selected.isWritable()) {
                    flush();
                }
                if (selected.isValid() && selected.isReadable()) {
                    readBuffer.clear();
                    int read = channel.read(readBuffer);
                    if (read < 0) {
                        close();
                        return;
                    }
                    readBuffer.flip();
                    byte[] bytes = new byte[read];
                    readBuffer.get(bytes);
                    responses.feed(bytes);
                }
            } catch (IOException e) {
                close();
            }
        }

        private void flush() {
            try {
                while (!out.isEmpty()) {
                    ByteBuffer buffer = out.peek();
                    channel.write(buffer);
                    if (buffer.hasRemaining()) {
                        break;
                    }
                    out.poll();
                }
                interest();
            } catch (IOException e) {
                close();
            }
        }

        void interest() {
            if (!ended && key.isValid() && connected) {
                key.interestOps((out.isEmpty() ? 0 : SelectionKey.OP_WRITE) | (reading ? SelectionKey.OP_READ : 0));
            }
        }

        void close() {
            if (ended) {
                return;
            }
            ended = true;
            out.clear();
            key.cancel();
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
            onEnd.run();
        }
    }
}
