package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;

/**
 * A {@link SocketFleet.Script} for floods: once welcomed, each connection sends all its frames at once, without
 * waiting for any answer, then a {@code ping} with id {@code "last"}; the node reads a connection's frames in order,
 * so once that ping is answered it has taken in every request before it. Connections that are told to
 * {@link #FrameFlood(int, IntFunction, boolean) hoard} stop reading first (their answers pile up at the node) and
 * read again only when {@link #resumeReading(SocketFleet)} says so.
 *
 * <p>Answers are the frames that carry an {@code id} (requests that name one get exactly one), counted per
 * connection; the last ping's {@code pong} is counted apart.
 */
public final class FrameFlood implements SocketFleet.Script {

    private static final byte[] LAST = SocketFleet.encode("{\"op\":\"ping\",\"id\":\"last\"}".getBytes(StandardCharsets.UTF_8));

    private final IntFunction<List<byte[]>> frames;
    private final boolean hoard;
    private final AtomicLongArray answers;
    private final AtomicLongArray expected;
    private final AtomicLongArray ended;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong finished = new AtomicLong();
    private final FleetConnection[] connections; // fleet thread only

    /**
     * @param frames the frames of connection {@code i} (made with {@link SocketFleet#encode}), each with an id
     * @param hoard  whether the connections stop reading before they flood
     */
    public FrameFlood(int connections, IntFunction<List<byte[]>> frames, boolean hoard) {
        this.frames = frames;
        this.hoard = hoard;
        this.answers = new AtomicLongArray(connections);
        this.expected = new AtomicLongArray(connections);
        this.ended = new AtomicLongArray(connections);
        this.connections = new FleetConnection[connections];
    }

    /** A frame of {@code text}, ready for a flood. */
    public static byte[] frame(String text) {
        return SocketFleet.encode(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void welcomed(FleetConnection connection) {
        connections[connection.index()] = connection;
        if (hoard) {
            connection.stopReading();
        }
        List<byte[]> mine = frames.apply(connection.index());
        expected.set(connection.index(), mine.size());
        mine.forEach(connection::send);
        connection.send(LAST);
        sent.addAndGet(mine.size());
    }

    @Override
    public void received(FleetConnection connection, JsonNode frame) {
        if (!frame.has("id")) {
            return; // an event, a presence change, the server's ping
        }
        if ("last".equals(frame.path("id").asText()) && "pong".equals(frame.path("op").asText())) {
            finished.incrementAndGet();
            return;
        }
        answers.incrementAndGet(connection.index());
    }

    @Override
    public void ended(FleetConnection connection) {
        ended.set(connection.index(), 1);
        finished.incrementAndGet();
    }

    /** Lets every hoarding connection read again (on the fleet's thread). */
    public void resumeReading(SocketFleet fleet) {
        fleet.execute(() -> {
            for (FleetConnection connection : connections) {
                if (connection != null) {
                    connection.resumeReading();
                }
            }
        });
    }

    /** Requests sent (the last pings not counted). */
    public long sent() {
        return sent.get();
    }

    /** Answers received, by every connection. */
    public long answers() {
        long total = 0;
        for (int i = 0; i < answers.length(); i++) {
            total += answers.get(i);
        }
        return total;
    }

    public long answers(int connection) {
        return answers.get(connection);
    }

    /**
     * Connections that have every answer, or ended (closed by the node, with the code {@link SocketFleet} counts):
     * none of their requests waits for an answer any more.
     */
    public long answered() {
        long total = 0;
        for (int i = 0; i < answers.length(); i++) {
            if (ended.get(i) == 1 || (expected.get(i) > 0 && answers.get(i) >= expected.get(i))) {
                total++;
            }
        }
        return total;
    }

    /** Connections whose last ping was answered or that ended: the node has taken in (or refused) all they sent. */
    public long finished() {
        return finished.get();
    }
}
