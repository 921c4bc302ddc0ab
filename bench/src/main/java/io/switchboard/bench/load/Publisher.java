package io.switchboard.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes events through the systems' HTTP triggers at a target rate, over a few keep-alive connections per
 * node, round-robin over the nodes.
 *
 * <p><b>Order.</b> Each channel is a lane: its events are numbered 1, 2, 3, ... and a lane has at most one
 * request in flight, so a channel's events reach the server in order whatever the node and connection
 * (events that fall due meanwhile wait in the lane and go out together when batching is on). Any
 * out-of-order arrival a client sees is therefore the server's doing.
 *
 * <p><b>Time.</b> An event's timestamp is the moment it was <em>due</em> by the rate, not when its request
 * left: a trigger that cannot keep up shows as latency instead of silently lowering the rate.
 *
 * <p><b>Threading.</b> Everything runs on one event loop: the pacing timer, the connections, the bookkeeping.
 */
public final class Publisher implements AutoCloseable {

    /** Which HTTP trigger to call. */
    public enum Api {
        /** {@code POST /switchboard/api/channels/{c}/events}, batches to {@code POST /switchboard/api/events}. */
        SWITCHBOARD,
        /** The baseline's {@code POST /emit} (one event or {@code {"events":[...]}}). */
        SOCKETIO
    }

    /** How events are spread over the channels (and nodes). */
    public enum Pick {
        /** Every event on the first channel; requests round-robin over the nodes. */
        ONE_CHANNEL,
        /** Each event on a random channel; requests round-robin over the nodes. */
        RANDOM_CHANNEL,
        /** Every event on the first channel; even-numbered events through node 0, odd ones through node 1. */
        HOP
    }

    /**
     * @param phase        written into every event, so clients attribute it to this run
     * @param rate         events per second
     * @param count        events in total
     * @param maxBatch     events per request at most (1: the single-event endpoint)
     * @param payloadBytes the approximate size of each event's data
     * @param deadline     how long publishing may take before what is left is abandoned
     */
    public record Plan(int phase, List<String> channels, double rate, long count, int maxBatch, Pick pick,
                       int payloadBytes, Duration deadline) {
    }

    /** What a run published. {@code acked} holds, per channel, the sequence numbers the server accepted. */
    public record Outcome(long published, long failed, long unpublished, long requests, Histogram requestMicros,
                          Map<String, BitSet> acked, double seconds, List<String> errors) {
        public double publishedPerSecond() {
            return seconds > 0 ? published / seconds : 0;
        }
    }

    private final EventLoop loop;
    private final Api api;
    private final List<InetSocketAddress> nodes;
    private final int connectionsPerNode;
    private final String token;
    private final List<ArrayDeque<Conn>> idle = new ArrayList<>();
    private final List<Conn> open = new ArrayList<>();
    private boolean closing;
    private Run run;
    private int reconnects;

    public Publisher(EventLoop loop, Api api, List<InetSocketAddress> nodes, int connectionsPerNode, String token) {
        this.loop = loop;
        this.api = api;
        this.nodes = List.copyOf(nodes);
        this.connectionsPerNode = connectionsPerNode;
        this.token = token;
        for (int i = 0; i < nodes.size(); i++) {
            idle.add(new ArrayDeque<>());
        }
    }

    /** Opens the connections; waits up to 20 s for them. */
    public void open() throws Exception {
        loop.submit(() -> {
            for (int node = 0; node < nodes.size(); node++) {
                for (int i = 0; i < connectionsPerNode; i++) {
                    connect(node);
                }
            }
        }).get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            int ready = loop.submit(() -> idle.stream().mapToInt(ArrayDeque::size).sum()).get();
            if (ready == nodes.size() * connectionsPerNode) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the publisher could not open its HTTP connections to " + nodes);
    }

    /** Publishes according to {@code plan}; the result completes once every request has been answered. */
    public CompletableFuture<Outcome> publish(Plan plan) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        loop.execute(() -> {
            if (run != null) {
                result.completeExceptionally(new IllegalStateException("a run is already in progress"));
                return;
            }
            run = new Run(plan, result);
            run.start();
        });
        return result;
    }

    @Override
    public void close() {
        try {
            loop.submit(() -> {
                closing = true;
                if (run != null) {
                    run.finish();
                }
                open.forEach(conn -> conn.channel.close());
            }).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the loop is gone already: nothing left open
        }
    }

    private void connect(int node) {
        Conn conn = new Conn(node);
        new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), conn);
                    }
                })
                .connect(nodes.get(node))
                .addListener((ChannelFutureListener) future -> {
                    if (future.isSuccess()) {
                        conn.channel = future.channel();
                        open.add(conn);
                        idle.get(node).add(conn);
                        if (run != null) {
                            run.dispatch();
                        }
                    } else if (!closing && ++reconnects < 1000) {
                        loop.schedule(() -> connect(node), 200, TimeUnit.MILLISECONDS);
                    }
                });
    }

    /** One event waiting or in flight. */
    private record Event(long seq, long dueMicros) {
    }

    /** A channel's ordered stream of events; at most one request in flight. */
    private static final class Lane {
        final String channel;
        final ArrayDeque<Event> queue = new ArrayDeque<>();
        final List<Event> sending = new ArrayList<>();
        final BitSet acked = new BitSet();
        long nextSeq = 1;
        boolean inFlight;
        boolean ready;

        Lane(String channel) {
            this.channel = channel;
        }
    }

    /** One request: the lanes it carries events of (each lane's {@code sending}). */
    private record Request(List<Lane> lanes, int events, long sentNanos) {
    }

    /** One run of a plan. */
    private final class Run {
        private final Plan plan;
        private final CompletableFuture<Outcome> result;
        private final Lane[] lanes;
        private final ArrayDeque<Lane> ready = new ArrayDeque<>();
        private final SplittableRandom random;
        private final Histogram requestMicros = new Histogram(3);
        private final List<String> errors = new ArrayList<>();
        private final String pad;
        private final double nanosPerEvent;
        private long startNanos;
        private long deadlineNanos;
        private long generated;
        private long published;
        private long failed;
        private long unpublished;
        private long requests;
        private int inFlight;
        private int roundRobin;
        private ScheduledFuture<?> ticker;

        Run(Plan plan, CompletableFuture<Outcome> result) {
            this.plan = plan;
            this.result = result;
            this.lanes = plan.channels().stream().map(Lane::new).toArray(Lane[]::new);
            this.random = new SplittableRandom(plan.phase() * 7919L + 17);
            this.pad = "x".repeat(Math.max(0, plan.payloadBytes() - 48));
            this.nanosPerEvent = 1e9 / plan.rate();
        }

        void start() {
            startNanos = System.nanoTime();
            deadlineNanos = startNanos + plan.deadline().toNanos();
            ticker = loop.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.MILLISECONDS);
        }

        private void tick() {
            long now = System.nanoTime();
            long due = Math.min(plan.count(), (long) ((now - startNanos) / nanosPerEvent) + 1);
            while (generated < due) {
                long dueNanos = startNanos + (long) (generated * nanosPerEvent);
                Lane lane = plan.pick() == Pick.RANDOM_CHANNEL ? lanes[random.nextInt(lanes.length)] : lanes[0];
                lane.queue.add(new Event(lane.nextSeq++, Clock.micros(dueNanos)));
                markReady(lane);
                generated++;
            }
            if (now > deadlineNanos && generated < plan.count() + 1) {
                abandon();
            }
            dispatch();
            if (now > deadlineNanos + TimeUnit.SECONDS.toNanos(30)) {
                errors.add(inFlight + " request(s) still unanswered 30 s after the deadline");
                failed += inFlight;
                inFlight = 0;
            }
            maybeDone();
        }

        private void markReady(Lane lane) {
            if (!lane.inFlight && !lane.ready && !lane.queue.isEmpty()) {
                lane.ready = true;
                ready.add(lane);
            }
        }

        /** The deadline passed: what has not been sent yet never will be. */
        private void abandon() {
            for (Lane lane : lanes) {
                unpublished += lane.queue.size();
                lane.queue.clear();
                lane.ready = false;
            }
            unpublished += plan.count() - generated;
            generated = plan.count() + 1; // nothing more to generate
            ready.clear();
            errors.add("publishing did not finish within " + plan.deadline().toSeconds() + " s; the rest was dropped");
        }

        void dispatch() {
            while (!ready.isEmpty()) {
                Lane first = ready.peek();
                int node = plan.pick() == Pick.HOP ? (int) (first.queue.peek().seq() & 1) : nextNodeWithIdle();
                Conn conn = node < 0 ? null : idle.get(node).poll();
                if (conn == null) {
                    return;
                }
                List<Lane> carried = new ArrayList<>(1);
                int events = 0;
                int limit = plan.pick() == Pick.HOP ? 1 : plan.maxBatch();
                while (!ready.isEmpty() && events < limit) {
                    Lane lane = ready.poll();
                    lane.ready = false;
                    lane.inFlight = true;
                    while (events < limit && !lane.queue.isEmpty()) {
                        lane.sending.add(lane.queue.poll());
                        events++;
                    }
                    carried.add(lane);
                }
                Request request = new Request(carried, events, System.nanoTime());
                inFlight++;
                requests++;
                conn.send(request, http(node, request));
            }
        }

        private int nextNodeWithIdle() {
            for (int i = 0; i < nodes.size(); i++) {
                int node = (roundRobin + i) % nodes.size();
                if (!idle.get(node).isEmpty()) {
                    roundRobin = node + 1;
                    return node;
                }
            }
            return -1;
        }

        private FullHttpRequest http(int node, Request request) {
            boolean single = plan.maxBatch() == 1 || plan.pick() == Pick.HOP;
            StringBuilder body = new StringBuilder(128 + request.events() * (plan.payloadBytes() + 64));
            String path;
            if (single) {
                Lane lane = request.lanes().get(0);
                Event event = lane.sending.get(0);
                if (api == Api.SWITCHBOARD) {
                    path = "/switchboard/api/channels/" + lane.channel + "/events";
                    body.append("{\"event\":\"tick\",\"data\":");
                } else {
                    path = "/emit";
                    body.append("{\"room\":\"").append(lane.channel).append("\",\"event\":\"tick\",\"data\":");
                }
                data(body, event).append('}');
            } else {
                path = api == Api.SWITCHBOARD ? "/switchboard/api/events" : "/emit";
                String key = api == Api.SWITCHBOARD ? "{\"channel\":\"" : "{\"room\":\"";
                body.append("{\"events\":[");
                boolean first = true;
                for (Lane lane : request.lanes()) {
                    for (Event event : lane.sending) {
                        if (!first) {
                            body.append(',');
                        }
                        first = false;
                        body.append(key).append(lane.channel).append("\",\"event\":\"tick\",\"data\":");
                        data(body, event).append('}');
                    }
                }
                body.append("]}");
            }
            ByteBuf content = ByteBufUtil.writeUtf8(ByteBufAllocator.DEFAULT, body);
            FullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, content);
            http.headers()
                    .set(HttpHeaderNames.HOST, "127.0.0.1:" + nodes.get(node).getPort())
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
            if (token != null && api == Api.SWITCHBOARD) {
                http.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            }
            return http;
        }

        private StringBuilder data(StringBuilder body, Event event) {
            return body.append("{\"p\":").append(plan.phase())
                    .append(",\"seq\":").append(event.seq())
                    .append(",\"t\":").append(event.dueMicros())
                    .append(",\"pad\":\"").append(pad).append("\"}");
        }

        void answered(Request request, int status, String body) {
            inFlight--;
            requestMicros.recordValue(Math.max(1, (System.nanoTime() - request.sentNanos()) / 1_000));
            boolean ok = status >= 200 && status < 300;
            if (!ok && errors.size() < 5) {
                errors.add("HTTP " + status + ": " + (body.length() > 200 ? body.substring(0, 200) : body));
            }
            for (Lane lane : request.lanes()) {
                for (Event event : lane.sending) {
                    if (ok) {
                        lane.acked.set((int) event.seq());
                        published++;
                    } else {
                        failed++;
                    }
                }
                lane.sending.clear();
                lane.inFlight = false;
                markReady(lane);
            }
            dispatch();
            maybeDone();
        }

        private void maybeDone() {
            if (generated >= plan.count() && ready.isEmpty() && inFlight <= 0) {
                finish();
            }
        }

        void finish() {
            if (result.isDone()) {
                return;
            }
            ticker.cancel(false);
            run = null;
            Map<String, BitSet> acked = new HashMap<>();
            for (Lane lane : lanes) {
                acked.put(lane.channel, lane.acked);
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            result.complete(new Outcome(published, failed, unpublished, requests, requestMicros, acked, seconds,
                    List.copyOf(errors)));
        }
    }

    /** One keep-alive HTTP connection; one request at a time. */
    private final class Conn extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final int node;
        private Channel channel;
        private Request inFlight;
        private Run owner;

        Conn(int node) {
            this.node = node;
        }

        void send(Request request, FullHttpRequest http) {
            inFlight = request;
            owner = run;
            channel.writeAndFlush(http).addListener((ChannelFutureListener) future -> {
                if (!future.isSuccess()) {
                    future.channel().close(); // channelInactive reports the request as failed
                }
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Request request = inFlight;
            Run by = owner;
            inFlight = null;
            owner = null;
            boolean keepAlive = HttpUtil.isKeepAlive(response);
            if (keepAlive) {
                idle.get(node).add(this);
            }
            if (request != null && by != null) {
                String body = response.status().code() / 100 == 2 ? "" : response.content().toString(StandardCharsets.UTF_8);
                by.answered(request, response.status().code(), body);
            }
            if (!keepAlive) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            open.remove(this);
            idle.get(node).remove(this);
            Request request = inFlight;
            Run by = owner;
            inFlight = null;
            owner = null;
            if (request != null && by != null) {
                by.answered(request, 599, "connection closed before the answer");
            }
            if (!closing) {
                connect(node);
            }
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
