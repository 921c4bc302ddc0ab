package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One SSE client of an {@link SseFleet}: its stream, parsed into messages for the fleet's script, and its POST
 * connection, with the session and secret its {@code welcome} gave it. Every method runs on the fleet's thread.
 */
public final class SseStream {

    private final SseFleet fleet;
    private final int index;
    private final HttpSocket get;
    private HttpSocket post; // opened at the first POST, again after the server ended it
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String session;
    private String secret;
    private boolean open;
    private boolean done;

    SseStream(SseFleet fleet, int index) {
        this.fleet = fleet;
        this.index = index;
        fleet.opening++;
        String request = "GET /switchboard/sse HTTP/1.1\r\nHost: 127.0.0.1:" + fleet.address.getPort()
                + "\r\nAccept: text/event-stream\r\nOrigin: " + fleet.origin + "\r\n\r\n";
        this.get = fleet.socket(fleet.receiveBuffer, false, new HttpResponses.Listener() {
            @Override
            public void head(int status) {
                if (status != 200) {
                    fleet.increment("handshake:" + status);
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
        if (post == null || post.ended()) {
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

    private void send(HttpSocket socket, String frame, String sessionId, String secretHeader, String headers) {
        byte[] body = frame.getBytes(StandardCharsets.UTF_8);
        String head = "POST /switchboard/sse/" + sessionId + " HTTP/1.1\r\nHost: 127.0.0.1:" + fleet.address.getPort()
                + "\r\nOrigin: " + fleet.origin + "\r\nX-Switchboard-Secret: " + secretHeader + "\r\n" + headers
                + "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] request = new byte[head.length() + body.length];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, request, 0, head.length());
        System.arraycopy(body, 0, request, head.length(), body.length);
        socket.waiting++;
        if (socket.counted()) {
            fleet.unanswered.incrementAndGet();
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
        get.stopReading();
    }

    /** A connection for POSTs; {@code counted}: their answers and losses are counted and unanswered. */
    private HttpSocket openPost(boolean counted) {
        HttpSocket[] socket = new HttpSocket[1];
        int[] status = new int[1];
        socket[0] = fleet.socket(0, counted, new HttpResponses.Listener() {
            @Override
            public void head(int answered) {
                status[0] = answered;
                if (counted) {
                    fleet.increment("post:" + answered);
                }
            }

            @Override
            public void body(byte[] bytes, int offset, int length) {
            }

            @Override
            public void complete() {
                socket[0].waiting--;
                if (counted) {
                    fleet.unanswered.decrementAndGet();
                }
                if (socket[0] == post) {
                    fleet.script.posted(SseStream.this, status[0]);
                }
            }
        }, () -> {
            if (socket[0].waiting == 0 || !counted) {
                return;
            }
            for (; socket[0].waiting > 0; socket[0].waiting--) {
                fleet.increment("post:lost");
                fleet.unanswered.decrementAndGet();
            }
            if (socket[0] == post) {
                fleet.script.posted(SseStream.this, -1); // the script may go on, on a new connection
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
            fleet.opening--;
            session = frame.path("session").asText();
            secret = frame.path("secret").asText();
            fleet.script.welcomed(this); // first: once counted as welcomed, what it does on its welcome is done
            fleet.welcomed.incrementAndGet();
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
        fleet.increment("error".equals(op) ? "error:" + frame.path("code").asText() : op);
        fleet.script.received(this, frame);
    }

    private void end(int code) {
        if (done) {
            return;
        }
        done = true;
        if (!open) {
            fleet.opening--;
        }
        fleet.increment("close:" + code);
        fleet.ended.incrementAndGet();
        get.close();
    }

    /** Closes both connections, as the fleet does at its end. */
    void closeSockets() {
        get.close();
        if (post != null) {
            post.close();
        }
    }
}
