package io.switchboard.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntUnaryOperator;

/**
 * The generator's WebSocket clients: connects them with bounded concurrency (so the servers' accept queues are
 * not flooded), then lets a {@link Phase} count what they receive.
 *
 * <p>Thread-safe. Clients live on the event loops of the group it is given; the phase is a volatile field.
 */
public final class Fleet implements AutoCloseable {
    private static final int MAX_FRAME = 1 << 20;
    private static final int MAX_SAMPLES = 5;

    private final EventLoopGroup group;
    private final Dialect dialect;
    private final boolean overSse;
    private final List<InetSocketAddress> nodes;
    private final List<WebSocketClientProtocolConfig> configs = new ArrayList<>();
    private final List<WsClient> clients = new ArrayList<>();
    private final Map<String, Integer> subscribers = new HashMap<>();
    private final AtomicInteger ready = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final LongAdder disconnects = new LongAdder();
    private final LongAdder protocolErrors = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final Queue<String> samples = new ConcurrentLinkedQueue<>();
    private volatile Phase phase;
    private Semaphore permits;
    private CountDownLatch pending;

    public Fleet(EventLoopGroup group, Dialect dialect, List<InetSocketAddress> nodes) {
        this(group, dialect, nodes, false);
    }

    /**
     * @param overSse the clients connect over Switchboard's SSE transport ({@link SseBridge}) instead of a
     *                WebSocket; the dialect and the counting stay the same
     */
    public Fleet(EventLoopGroup group, Dialect dialect, List<InetSocketAddress> nodes, boolean overSse) {
        this.group = group;
        this.dialect = dialect;
        this.overSse = overSse;
        this.nodes = List.copyOf(nodes);
        for (InetSocketAddress node : nodes) {
            String origin = "http://127.0.0.1:" + node.getPort();
            configs.add(WebSocketClientProtocolConfig.newBuilder()
                    .webSocketUri(URI.create("ws://127.0.0.1:" + node.getPort() + dialect.path()))
                    .version(WebSocketVersion.V13)
                    .customHeaders(new DefaultHttpHeaders().set(HttpHeaderNames.ORIGIN, origin))
                    .maxFramePayloadLength(MAX_FRAME)
                    .handshakeTimeoutMillis(30_000)
                    .dropPongFrames(true)
                    .build());
        }
    }

    /** How a connect round went. */
    public record Connected(int ready, int failed, double seconds) {
        public double perSecond() {
            return seconds > 0 ? ready / seconds : 0;
        }
    }

    /**
     * Connects one client per entry of {@code channels}, the i-th on node {@code nodeOf(i)}, at most
     * {@code concurrency} handshakes at a time, and waits until each is subscribed or failed.
     */
    public Connected connect(List<String> channels, IntUnaryOperator nodeOf, int concurrency, Duration timeout)
            throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        permits = new Semaphore(concurrency);
        pending = new CountDownLatch(channels.size());
        int readyBefore = ready.get();
        for (int i = 0; i < channels.size(); i++) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                for (int rest = i; rest < channels.size(); rest++) {
                    failed.incrementAndGet();
                    pending.countDown();
                }
                sample("connect: timed out before every client could start");
                break;
            }
            int node = nodeOf.applyAsInt(i);
            WsClient client = new WsClient(this, dialect, channels.get(i), node);
            synchronized (clients) {
                clients.add(client);
            }
            open(client, node);
        }
        pending.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        synchronized (clients) {
            subscribers.clear();
            for (WsClient client : clients) {
                if (client.isReady()) {
                    subscribers.merge(client.channel(), 1, Integer::sum);
                }
            }
        }
        int nowReady = ready.get() - readyBefore;
        return new Connected(nowReady, channels.size() - nowReady, seconds);
    }

    private void open(WsClient client, int node) {
        WebSocketClientProtocolConfig config = configs.get(node);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (overSse) {
                            ch.pipeline().addLast(new HttpClientCodec(), new SseBridge(nodes.get(node)), client);
                            return;
                        }
                        ch.pipeline().addLast(
                                new HttpClientCodec(),
                                new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(config),
                                new WebSocketFrameAggregator(MAX_FRAME),
                                client);
                    }
                });
        bootstrap.connect(nodes.get(node)).addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                client.settle("connect: " + future.cause());
            }
        });
    }

    void settled(WsClient client, String failure) {
        if (failure == null) {
            ready.incrementAndGet();
        } else {
            failed.incrementAndGet();
            sample(failure);
        }
        permits.release();
        pending.countDown();
    }

    void disconnected() {
        disconnects.increment();
    }

    void protocolError(String message) {
        protocolErrors.increment();
        sample(message);
    }

    void sawMalformed(String frame) {
        if (malformed.sum() == 0) {
            sample("unreadable event frame: " + frame);
        }
        malformed.increment();
    }

    private void sample(String message) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(message.length() > 300 ? message.substring(0, 300) : message);
        }
    }

    Phase phase() {
        return phase;
    }

    /** From now on, clients count events of {@code next} (and count others as stale). */
    public void install(Phase next) {
        phase = next;
    }

    /** Clients subscribed to {@code channel} (ready ones). */
    public int subscribers(String channel) {
        return subscribers.getOrDefault(channel, 0);
    }

    public int readyClients() {
        return ready.get();
    }

    public long disconnects() {
        return disconnects.sum();
    }

    public long protocolErrors() {
        return protocolErrors.sum();
    }

    public long malformed() {
        return malformed.sum();
    }

    public List<String> samples() {
        return List.copyOf(samples);
    }

    /** The whole fleet's count of {@code of}: {received, lost, duplicates, outOfOrder, unexpected}. */
    public long[] tally(Phase of, Map<String, BitSet> acked) throws Exception {
        List<Future<long[]>> parts = new ArrayList<>();
        synchronized (clients) {
            for (WsClient client : clients) {
                if (!client.isReady()) {
                    continue; // never subscribed: counted as a failed connection, not as lost events
                }
                BitSet channelAcked = acked.get(client.channel());
                parts.add(client.socket().eventLoop().submit(() -> client.tally(of, channelAcked)));
            }
        }
        long[] sum = new long[5];
        for (Future<long[]> part : parts) {
            long[] one = part.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += one[i];
            }
        }
        return sum;
    }

    /** Sends every client a close frame and closes its connection; waits up to 20 s. */
    @Override
    public void close() {
        List<ChannelFuture> closing = new ArrayList<>();
        synchronized (clients) {
            for (WsClient client : clients) {
                Channel socket = client.socket();
                if (socket == null) {
                    continue;
                }
                socket.eventLoop().execute(client::closeGracefully);
                if (socket.isActive()) {
                    closing.add(socket.writeAndFlush(new CloseWebSocketFrame(1000, "done"))
                            .addListener(ChannelFutureListener.CLOSE).channel().closeFuture());
                } else {
                    closing.add(socket.close());
                }
            }
            clients.clear();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ChannelFuture future : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !future.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                future.channel().close();
            }
        }
    }
}
