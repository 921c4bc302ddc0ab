package io.switchboard.bench.floor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One connection to the floor server: an HTTP trigger request (the routes Switchboard's publisher calls; the
 * bearer token is not checked) or, after the WebSocket handshake, a client speaking Switchboard's protocol. Runs
 * on the connection's event loop only.
 */
final class FloorHandler extends SimpleChannelInboundHandler<Object> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/switchboard/api";
    private static final String CHANNELS = API + "/channels/";

    private final Topics topics;
    private final String node;
    private final List<Topics.Topic> subscribed = new ArrayList<>();

    FloorHandler(Topics topics, String node) {
        this.topics = topics;
        this.node = node;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ObjectNode welcome = frame("welcome");
            welcome.put("session", UUID.randomUUID().toString());
            welcome.put("node", node);
            welcome.put("heartbeat", 25_000);
            welcome.putNull("user");
            send(ctx, welcome);
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object message) throws Exception {
        if (message instanceof TextWebSocketFrame text) {
            try {
                clientFrame(ctx, text);
            } catch (IllegalStateException e) {
                send(ctx, error("unavailable", e.getMessage(), null));
            }
        } else if (message instanceof FullHttpRequest request) {
            try {
                http(ctx, request);
            } catch (IllegalArgumentException e) {
                answer(ctx, request, HttpResponseStatus.BAD_REQUEST, errorBody("bad_request", e.getMessage()));
            } catch (IllegalStateException e) {
                answer(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, errorBody("unavailable", e.getMessage()));
            }
        }
    }

    // ---- the WebSocket client's ops -----------------------------------------------------------------

    private void clientFrame(ChannelHandlerContext ctx, TextWebSocketFrame text) throws IOException {
        JsonNode request;
        try {
            request = JSON.readTree(new ByteBufInputStream(text.content()));
        } catch (IOException e) {
            send(ctx, error("bad_request", "not JSON", null));
            return;
        }
        JsonNode id = request.get("id");
        String op = request.path("op").asText("");
        switch (op) {
            case "subscribe", "unsubscribe" -> {
                String name = request.path("channel").asText("");
                if (name.isEmpty()) {
                    send(ctx, error("bad_request", "a channel is needed", id));
                    return;
                }
                Topics.Topic topic = topics.topic(name);
                ObjectNode answer;
                if (op.equals("subscribe")) {
                    if (!subscribed.contains(topic)) {
                        if (subscribed.size() >= Topics.MAX_PER_SOCKET) {
                            send(ctx, error("rate_limited", "at most " + Topics.MAX_PER_SOCKET + " channels", id));
                            return;
                        }
                        subscribed.add(topic);
                        topics.subscribe(topic, ctx.channel());
                    }
                    answer = frame("subscribed");
                    answer.put("channel", name);
                    answer.put("offset", topics.offset(topic, topic.seq.get()));
                    answer.put("recovered", false);
                } else {
                    if (subscribed.remove(topic)) {
                        topics.unsubscribe(topic, ctx.channel());
                    }
                    answer = frame("unsubscribed");
                    answer.put("channel", name);
                }
                send(ctx, withId(answer, id));
            }
            case "ping" -> send(ctx, withId(frame("pong"), id));
            default -> send(ctx, error("unknown_op", "unknown op '" + op + "'", id));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (Topics.Topic topic : subscribed) {
            topics.unsubscribe(topic, ctx.channel());
        }
        subscribed.clear();
        super.channelInactive(ctx);
    }

    private static void send(ChannelHandlerContext ctx, ObjectNode frame) throws IOException {
        ctx.writeAndFlush(new TextWebSocketFrame(JSON.writeValueAsString(frame)));
    }

    private static ObjectNode frame(String op) {
        return JSON.createObjectNode().put("op", op);
    }

    private static ObjectNode withId(ObjectNode frame, JsonNode id) {
        if (id != null && !id.isNull()) {
            frame.set("id", id);
        }
        return frame;
    }

    private static ObjectNode error(String code, String message, JsonNode id) {
        return withId(frame("error").put("code", code).put("message", message), id);
    }

    // ---- the HTTP trigger ---------------------------------------------------------------------------

    private void http(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (request.method().equals(HttpMethod.GET) && path.equals(API + "/health")) {
            answer(ctx, request, HttpResponseStatus.OK, JSON.createObjectNode().put("status", "UP"));
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            answer(ctx, request, HttpResponseStatus.NOT_FOUND, errorBody("not_found", "no such route"));
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(new ByteBufInputStream(request.content()));
        } catch (IOException e) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, errorBody("bad_request", "not JSON"));
            return;
        }
        if (body == null || !body.isObject()) {
            answer(ctx, request, HttpResponseStatus.BAD_REQUEST, errorBody("bad_request", "expected a JSON object"));
        } else if (path.startsWith(CHANNELS) && path.endsWith("/events")) {
            String channel = path.substring(CHANNELS.length(), path.length() - "/events".length());
            String offset = publish(channel, body);
            answer(ctx, request, HttpResponseStatus.OK, JSON.createObjectNode().put("channel", channel).put("offset", offset));
        } else if (path.equals(API + "/events") && body.path("events").isArray() && !body.get("events").isEmpty()) {
            ObjectNode answer = JSON.createObjectNode();
            ArrayNode offsets = answer.putArray("offsets");
            for (JsonNode item : body.get("events")) {
                offsets.add(publish(item.path("channel").asText(""), item));
            }
            answer(ctx, request, HttpResponseStatus.OK, answer);
        } else {
            answer(ctx, request, HttpResponseStatus.NOT_FOUND, errorBody("not_found", "no such route"));
        }
    }

    /** Encodes the event once, as Switchboard's event frame, and hands it to every subscriber; its offset. */
    private String publish(String channel, JsonNode item) throws IOException {
        if (channel.isEmpty()) {
            throw new IllegalArgumentException("a channel is needed");
        }
        Topics.Topic topic = topics.topic(channel);
        String offset = topics.offset(topic, topic.seq.incrementAndGet());
        ObjectNode frame = frame("event");
        frame.put("channel", channel);
        frame.put("event", item.path("event").asText("message"));
        frame.set("data", item.get("data"));
        frame.put("offset", offset);
        topics.fanOut(topic, Topics.textFrame(JSON.writeValueAsBytes(frame)));
        return offset;
    }

    private static ObjectNode errorBody(String code, String message) {
        return JSON.createObjectNode().put("error", code).put("message", message);
    }

    private static void answer(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                               JsonNode body) throws IOException {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(JSON.writeValueAsBytes(body)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
