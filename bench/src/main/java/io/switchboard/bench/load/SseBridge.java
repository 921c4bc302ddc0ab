package io.switchboard.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;

/**
 * Lets a {@link WsClient} speak Switchboard over SSE instead of a WebSocket: sits between the HTTP codec and the
 * client, opens the stream ({@code GET /switchboard/sse}), hands each SSE message's data on as a text frame (and
 * the 200 as the handshake's completion), and sends each text frame the client writes as a
 * {@code POST /switchboard/sse/{session}} with the secret from {@code welcome}. The client's counting is the
 * WebSocket's, byte for byte.
 *
 * <p>Requests (a subscribe per client, pongs) are rare in a broadcast: they go through the JDK's HTTP client, off
 * the event loop. Messages are cut out of the stream on the client's event loop without copying.
 */
final class SseBridge extends ChannelDuplexHandler {
    private static final HttpClient POSTS = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] WELCOME = Scan.bytes("{\"op\":\"welcome\"");
    private static final byte[] DATA = Scan.bytes("data: ");

    private final InetSocketAddress node;
    private final String origin;
    private ByteBuf pending; // stream bytes not yet cut into messages (event loop only)
    private volatile URI requests;
    private volatile String secret;

    SseBridge(InetSocketAddress node) {
        this.node = node;
        this.origin = "http://127.0.0.1:" + node.getPort();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        pending = ctx.alloc().buffer(4096);
        FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/switchboard/sse");
        get.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + node.getPort())
                .set(HttpHeaderNames.ORIGIN, origin)
                .set(HttpHeaderNames.ACCEPT, "text/event-stream");
        ctx.writeAndFlush(get);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpResponse response) {
            if (response.status().code() != 200) {
                ctx.fireExceptionCaught(new IOException("GET /switchboard/sse answered " + response.status()));
            } else {
                ctx.fireUserEventTriggered(WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE);
            }
        }
        if (msg instanceof HttpContent content) {
            try {
                pending.writeBytes(content.content());
            } finally {
                content.release();
            }
            cut(ctx);
            if (msg instanceof LastHttpContent) {
                ctx.close();
            }
        }
    }

    /** Hands on every complete message ({@code data: ...} and a blank line); comments are skipped. */
    private void cut(ChannelHandlerContext ctx) {
        while (true) {
            int end = endOfMessage(pending);
            if (end < 0) {
                break;
            }
            int start = pending.readerIndex();
            if (Scan.startsWith(pending, DATA)) {
                ByteBuf frame = pending.retainedSlice(start + DATA.length, end - start - DATA.length);
                if (secret == null && Scan.startsWith(frame, WELCOME)) {
                    welcome(frame);
                }
                ctx.fireChannelRead(new TextWebSocketFrame(frame));
            }
            pending.readerIndex(end + 2);
        }
        pending.discardSomeReadBytes();
    }

    private static int endOfMessage(ByteBuf buf) {
        for (int i = buf.readerIndex(); i < buf.writerIndex() - 1; i++) {
            if (buf.getByte(i) == '\n' && buf.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void welcome(ByteBuf frame) {
        try {
            JsonNode welcome = JSON.readTree(frame.toString(java.nio.charset.StandardCharsets.UTF_8));
            requests = URI.create(origin + "/switchboard/sse/" + welcome.path("session").asText());
            secret = welcome.path("secret").asText();
        } catch (IOException e) {
            throw new IllegalStateException("unreadable welcome", e);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof TextWebSocketFrame frame) {
            String text = frame.text();
            frame.release();
            POSTS.sendAsync(HttpRequest.newBuilder(requests).timeout(Duration.ofSeconds(30))
                            .header("X-Switchboard-Secret", secret).header("Origin", origin)
                            .header("Content-Type", "text/plain;charset=UTF-8")
                            .POST(HttpRequest.BodyPublishers.ofString(text)).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            promise.setSuccess();
        } else if (msg instanceof CloseWebSocketFrame close) {
            close.release(); // an SSE client leaves by closing its connection
            promise.setSuccess();
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        super.channelInactive(ctx);
    }
}
