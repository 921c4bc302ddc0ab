package io.switchboard.bench.floor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which sockets are subscribed to which channel, and the fan-out.
 *
 * <p><b>Threading.</b> A channel's subscribers are kept per event loop, and each loop's list is touched only on
 * that loop (subscribe, unsubscribe and close run on the socket's own loop; a fan-out hands each loop its list as
 * one task). So a publish on one loop costs one task per loop, not one per socket, and no lock. Tasks of one loop
 * run in the order they were handed over, and the HTTP answer leaves after the hand-over, so a channel's events,
 * published one request at a time, reach each socket in order.
 */
final class Topics {
    /** Subscriptions one socket may hold: every resource a client can make the server hold is bounded. */
    static final int MAX_PER_SOCKET = 64;
    /** Channels the server keeps at most (a channel is kept once named, like the bench's own channels). */
    static final int MAX_TOPICS = 1_000_000;

    /** One channel: its offset counter and its subscribers by event loop. */
    static final class Topic {
        final String name;
        final AtomicLong seq = new AtomicLong();
        final Map<EventExecutor, List<Channel>> byLoop = new ConcurrentHashMap<>();

        Topic(String name) {
            this.name = name;
        }
    }

    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    /** The epoch of every offset this process hands out (9 base-36 digits of its start time, then letters). */
    private final String epoch = String.format("%9s", Long.toString(System.currentTimeMillis(), 36)).replace(' ', '0') + "FLOR";

    /** The channel, made on first use; refused (IllegalStateException) beyond {@link #MAX_TOPICS}. */
    Topic topic(String name) {
        Topic topic = topics.get(name);
        if (topic != null) {
            return topic;
        }
        if (topics.size() >= MAX_TOPICS) {
            throw new IllegalStateException("at most " + MAX_TOPICS + " channels");
        }
        return topics.computeIfAbsent(name, Topic::new);
    }

    String offset(Topic topic, long seq) {
        return epoch + "-" + seq;
    }

    /** On {@code socket}'s event loop. */
    void subscribe(Topic topic, Channel socket) {
        topic.byLoop.computeIfAbsent(socket.eventLoop(), loop -> new ArrayList<>()).add(socket);
    }

    /** On {@code socket}'s event loop. */
    void unsubscribe(Topic topic, Channel socket) {
        List<Channel> sockets = topic.byLoop.get(socket.eventLoop());
        if (sockets != null) {
            sockets.remove(socket);
        }
    }

    /**
     * Writes {@code frame} (a complete WebSocket frame, header included) once to every socket subscribed to
     * {@code topic}, one write and flush per socket, each on its own loop. Takes over the caller's reference.
     */
    void fanOut(Topic topic, ByteBuf frame) {
        for (Map.Entry<EventExecutor, List<Channel>> entry : topic.byLoop.entrySet()) {
            EventExecutor loop = entry.getKey();
            List<Channel> sockets = entry.getValue();
            ByteBuf mine = frame.retainedDuplicate();
            loop.execute(() -> {
                try {
                    for (int i = 0; i < sockets.size(); i++) {
                        Channel socket = sockets.get(i);
                        if (!socket.isWritable()) {
                            socket.close(); // more than MAX_PENDING_BYTES waiting: a client that does not read
                            continue;
                        }
                        socket.writeAndFlush(mine.retainedDuplicate(), socket.voidPromise());
                    }
                } finally {
                    mine.release();
                }
            });
        }
        frame.release();
    }

    /** A server-to-client (unmasked) final text frame holding {@code payload}. */
    static ByteBuf textFrame(byte[] payload) {
        int length = payload.length;
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        ByteBuf frame = Unpooled.directBuffer(header + length);
        frame.writeByte(0x81); // FIN, text
        if (length < 126) {
            frame.writeByte(length);
        } else if (length < 65536) {
            frame.writeByte(126).writeShort(length);
        } else {
            frame.writeByte(127).writeLong(length);
        }
        return frame.writeBytes(payload);
    }
}
