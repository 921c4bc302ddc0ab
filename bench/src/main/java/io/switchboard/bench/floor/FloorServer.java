package io.switchboard.bench.floor;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's floor for "deliver this frame to these sockets": a minimal writer speaking just enough of
 * Switchboard's protocol for the generator (welcome, subscribe → subscribed, ping → pong) and its HTTP trigger
 * ({@code POST /switchboard/api/channels/{c}/events}, {@code POST /switchboard/api/events}). Each published event
 * is encoded once into a complete WebSocket frame, then written and flushed once to every socket subscribed to its
 * channel. No Redis, no history, no per-session queue: what Switchboard and the baseline cost above this is
 * theirs.
 *
 * <p>Run as its own process (so its CPU is read from /proc like the systems under test):
 * {@code java -cp switchboard-bench.jar io.switchboard.bench.floor.FloorServer --ports P1,P2 --threads N
 * [--watch-pid PID]}. It listens on every port of 127.0.0.1 with one group of N event loops (the node count)
 * and prints {@code FLOOR READY} once bound.
 *
 * <p><b>Threading.</b> Netty's: each socket lives on one event loop; {@link Topics} keeps each channel's
 * subscribers per event loop and hands each loop its share of a fan-out as one task.
 */
public final class FloorServer {
    /** Bytes a socket may have waiting to be written before it is closed as too slow (bounds memory). */
    static final int MAX_PENDING_BYTES = 16 << 20;
    static final int MAX_FRAME = 64 << 10;

    private FloorServer() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> ports = new ArrayList<>();
        int threads = 1;
        long watchPid = 0;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--ports" -> {
                    for (String port : args[i + 1].split(",")) {
                        ports.add(Integer.parseInt(port.trim()));
                    }
                }
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--watch-pid" -> watchPid = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (ports.isEmpty() || threads < 1) {
            System.err.println("usage: FloorServer --ports P1[,P2...] --threads N [--watch-pid PID]");
            System.exit(2);
        }
        if (watchPid > 0) {
            // Ends with the generator that started it, even if that one was killed without its shutdown hook.
            ProcessHandle.of(watchPid).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }, "floor-stop"));
        Topics topics = new Topics();
        List<Channel> listening = new ArrayList<>();
        for (int port : ports) {
            String node = "floor-" + port;
            listening.add(new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(MAX_PENDING_BYTES / 2, MAX_PENDING_BYTES))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(
                                    new HttpServerCodec(),
                                    new HttpObjectAggregator(1 << 20),
                                    new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                            .websocketPath("/switchboard/ws")
                                            .checkStartsWith(true)
                                            .maxFramePayloadLength(MAX_FRAME)
                                            .handleCloseFrames(true)
                                            .build()),
                                    new FloorHandler(topics, node));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel());
        }
        System.out.println("FLOOR READY ports=" + ports + " threads=" + threads);
        System.out.flush();
        for (Channel channel : listening) {
            channel.closeFuture().sync();
        }
    }
}
