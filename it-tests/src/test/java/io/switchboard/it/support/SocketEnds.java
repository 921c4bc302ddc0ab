package io.switchboard.it.support;

import io.switchboard.testkit.ws.WsClient;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How WebSocket clients ended, each wait bounded: for scenarios in which the node must close some sockets with a
 * given code (an expired token, a logout) and keep serving the others.
 */
public final class SocketEnds {

    /** The shortest wait for a close: a client whose turn comes after the deadline still gets a moment. */
    private static final Duration MIN_WAIT = Duration.ofMillis(100);

    private SocketEnds() {
    }

    /**
     * The close code {@code client} was closed with, -1 if it failed instead, 0 if it is still open after
     * {@code timeout}.
     */
    public static int closeCode(WsClient client, Duration timeout) {
        try {
            return client.awaitClose(timeout.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : timeout).code();
        } catch (AssertionError e) {
            return client.isOpen() ? 0 : -1;
        }
    }

    /**
     * The clients of {@code clients} that were not closed with {@code code} by {@code deadline}, each as
     * {@code <client>: <its close code>} (see {@link #closeCode}); the clients are waited for one after the other.
     */
    public static List<String> notClosedWith(int code, List<WsClient> clients, Instant deadline) {
        List<String> otherEnds = new ArrayList<>();
        for (WsClient client : clients) {
            int ended = closeCode(client, Duration.between(Instant.now(), deadline));
            if (ended != code) {
                otherEnds.add(client + ": " + ended);
            }
        }
        return otherEnds;
    }

    /** How many of {@code clients} are open and answer a {@code ping} with a {@code pong}. */
    public static long answering(List<WsClient> clients) {
        return clients.stream().filter(client -> {
            try {
                return client.isOpen() && "pong".equals(client.ping().path("op").asText());
            } catch (AssertionError e) {
                return false;
            }
        }).count();
    }
}
