package io.switchboard.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.BitSet;

/**
 * One WebSocket client, subscribed to one channel (Switchboard) or room (Socket.IO), counting what it receives.
 *
 * <p><b>Threading.</b> Everything here runs on the client's event loop, including {@link #tally}, which the
 * fleet submits to it; so the per-phase state needs no synchronization.
 */
public final class WsClient extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final Fleet fleet;
    private final Dialect dialect;
    private final String channelName;
    private final int node;
    private final long[] numbers = new long[3];
    private Channel channel;
    private boolean settled;
    private boolean ready;
    private boolean closing;

    // What this client received in the phase it last saw (event loop only).
    private Phase phase;
    private final BitSet received = new BitSet();
    private long maxSeq;
    private long duplicates;
    private long outOfOrder;

    WsClient(Fleet fleet, Dialect dialect, String channelName, int node) {
        this.fleet = fleet;
        this.dialect = dialect;
        this.channelName = channelName;
        this.node = node;
    }

    /** The channel (room) this client subscribes to. */
    public String channel() {
        return channelName;
    }

    public int node() {
        return node;
    }

    boolean isReady() {
        return ready;
    }

    Channel socket() {
        return channel;
    }

    void send(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text));
    }

    /** Subscribed (or joined): the client now receives the channel's events. */
    void ready() {
        if (!ready) {
            ready = true;
            settle(null);
        }
    }

    void protocolError(String message) {
        fleet.protocolError(message);
        if (!settled) {
            settle(message);
            channel.close();
        }
    }

    /** An event frame: {@code from} is where the event's data starts. */
    void event(ByteBuf frame, int from) {
        if (!Scan.eventNumbers(frame, from, numbers)) {
            fleet.sawMalformed(frame.toString(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        Phase current = fleet.phase();
        if (current == null || numbers[0] != current.id()) {
            if (current != null) {
                current.stale.increment();
            }
            return;
        }
        if (phase != current) {
            phase = current;
            received.clear();
            maxSeq = -1;
            duplicates = 0;
            outOfOrder = 0;
        }
        long seq = numbers[1];
        if (seq > Integer.MAX_VALUE - 1) {
            fleet.sawMalformed("sequence number out of range: " + seq);
            return;
        }
        int bit = (int) seq;
        if (received.get(bit)) {
            duplicates++;
            return;
        }
        received.set(bit);
        if (seq < maxSeq) {
            outOfOrder++;
        } else {
            maxSeq = seq;
        }
        current.record(seq, Clock.micros() - numbers[2]);
    }

    /**
     * What this client got of {@code of}, against the events the publisher had accepted for its channel:
     * {received, lost, duplicates, outOfOrder, unexpected}. Runs on the event loop.
     */
    long[] tally(Phase of, BitSet acked) {
        if (phase != of) {
            return new long[] {0, acked == null ? 0 : acked.cardinality(), 0, 0, 0};
        }
        long lost = 0;
        long unexpected = received.cardinality();
        if (acked != null) {
            BitSet missing = (BitSet) acked.clone();
            missing.andNot(received);
            lost = missing.cardinality();
            BitSet extra = (BitSet) received.clone();
            extra.andNot(acked);
            unexpected = extra.cardinality();
        }
        return new long[] {received.cardinality(), lost, duplicates, outOfOrder, unexpected};
    }

    void closeGracefully() {
        closing = true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            dialect.opened(this);
        } else if (event == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            settle("WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            dialect.text(this, frame.content());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!settled) {
            settle(cause.toString());
        } else if (!closing) {
            fleet.protocolError(cause.toString());
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!settled) {
            settle("connection closed before the subscription was confirmed");
        } else if (ready && !closing) {
            fleet.disconnected();
        }
        super.channelInactive(ctx);
    }

    /** The connection attempt ended: ready ({@code failure == null}) or failed. Exactly once. */
    void settle(String failure) {
        if (settled) {
            return;
        }
        settled = true;
        fleet.settled(this, failure);
    }
}
