package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testkit.Json;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One raw WebSocket connection of a {@link SocketFleet}: its handshake, its queue of bytes to send, and the server
 * frames it parses and hands to the fleet's script. Every method runs on the fleet's thread.
 */
public final class FleetConnection {

    private enum State { CONNECTING, HANDSHAKE, OPEN, ENDED }

    private static final int READ_CHUNK = 8192;

    private final SocketFleet fleet;
    private final int index;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private byte[] in = new byte[1024];
    private int inLength;
    private byte[] message; // a fragmented message being joined, or null
    private int messageLength;
    private State state = State.CONNECTING;
    private boolean reading = true;
    private int closeCode;

    FleetConnection(SocketFleet fleet, int index) throws IOException {
        this.fleet = fleet;
        this.index = index;
        this.channel = SocketChannel.open();
        channel.configureBlocking(false);
        if (fleet.receiveBuffer > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, fleet.receiveBuffer);
        }
        fleet.handshaking++;
        this.key = channel.register(fleet.selector, SelectionKey.OP_CONNECT, this);
        if (channel.connect(fleet.address)) {
            connected();
        }
    }

    public int index() {
        return index;
    }

    /** Still open (welcomed, not ended). */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** The close code the server ended it with, -1 if the TCP connection ended without one, 0 while open. */
    public int closeCode() {
        return closeCode;
    }

    /** Sends one text frame (queued behind what the socket has not taken yet). Ignored once ended. */
    public void send(String text) {
        send(SocketFleet.encode(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends a frame made by {@link SocketFleet#encode}: the same bytes may be sent many times, on any connection. */
    public void send(byte[] frame) {
        if (state == State.ENDED) {
            return;
        }
        out.add(ByteBuffer.wrap(frame));
        fleet.unsent.addAndGet(frame.length);
        if (state == State.OPEN) {
            flush();
        }
    }

    /** Bytes queued here that the socket has not taken yet. */
    public long unsent() {
        long bytes = 0;
        for (ByteBuffer buffer : out) {
            bytes += buffer.remaining();
        }
        return bytes;
    }

    /** From now on nothing is read: the receive buffer fills and the server's writes stall. */
    public void stopReading() {
        reading = false;
        interest();
    }

    /** Reads again after {@link #stopReading()}: what the node queued meanwhile arrives, or how it closed. */
    public void resumeReading() {
        reading = true;
        interest();
    }

    /** Runs {@code task} on the fleet's thread after {@code delay}. */
    public void after(Duration delay, Runnable task) {
        fleet.schedule(delay, task);
    }

    void ready(SelectionKey selected) {
        try {
            if (!selected.isValid()) {
                return;
            }
            if (selected.isConnectable() && channel.finishConnect()) {
                connected();
            }
            if (selected.isValid() && selected.isWritable()) {
                flush();
            }
            if (selected.isValid() && selected.isReadable()) {
                read();
            }
        } catch (IOException e) {
            end(-1, e.getClass().getSimpleName());
        }
    }

    private void connected() throws IOException {
        state = State.HANDSHAKE;
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String head = "GET " + fleet.request.apply(index) + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + fleet.address.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Origin: http://127.0.0.1:" + fleet.address.getPort() + "\r\n\r\n";
        byte[] request = head.getBytes(StandardCharsets.US_ASCII);
        out.addFirst(ByteBuffer.wrap(request));
        fleet.unsent.addAndGet(request.length);
        flush();
    }

    private void flush() {
        try {
            while (!out.isEmpty()) {
                ByteBuffer buffer = out.peek();
                fleet.unsent.addAndGet(-channel.write(buffer));
                if (buffer.hasRemaining()) {
                    break;
                }
                out.poll();
            }
            interest();
        } catch (IOException e) {
            end(-1, e.getClass().getSimpleName());
        }
    }

    private void interest() {
        if (state == State.ENDED || !key.isValid()) {
            return;
        }
        int ops = (out.isEmpty() ? 0 : SelectionKey.OP_WRITE)
                | (reading || state != State.OPEN ? SelectionKey.OP_READ : 0);
        key.interestOps(ops);
    }

    private void read() throws IOException {
        ByteBuffer readBuffer = fleet.readBuffer;
        readBuffer.clear();
        int read = channel.read(readBuffer);
        if (read < 0) {
            end(-1, "eof");
            return;
        }
        readBuffer.flip();
        ensureCapacity(inLength + readBuffer.remaining());
        readBuffer.get(in, inLength, readBuffer.remaining());
        inLength += read;
        int consumed = state == State.HANDSHAKE ? handshake() : 0;
        while (state == State.OPEN && consumed < inLength) {
            int frame = frame(consumed);
            if (frame == 0) {
                break;
            }
            consumed += frame;
        }
        System.arraycopy(in, consumed, in, 0, inLength - consumed);
        inLength -= consumed;
        if (in.length > READ_CHUNK && inLength < READ_CHUNK / 2) {
            in = Arrays.copyOf(in, READ_CHUNK); // a large frame passed: give its room back
        }
    }

    /** Parses the handshake answer; returns the bytes it took, 0 while incomplete. */
    private int handshake() {
        String text = new String(in, 0, inLength, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return 0;
        }
        String status = text.substring(0, text.indexOf("\r\n"));
        if (!status.startsWith("HTTP/1.1 101")) {
            fleet.increment("handshake:" + status.substring(Math.min(status.length(), 9)).trim());
            end(-1, "refused");
            return inLength;
        }
        state = State.OPEN;
        fleet.handshaking--;
        interest();
        return end + 4;
    }

    /** Parses one server frame at {@code start}; returns its length, 0 while incomplete. */
    private int frame(int start) {
        if (inLength - start < 2) {
            return 0;
        }
        int first = in[start] & 0xff;
        int second = in[start + 1] & 0x7f;
        int header = 2;
        long length = second;
        if (second == 126) {
            header = 4;
            if (inLength - start < header) {
                return 0;
            }
            length = ((in[start + 2] & 0xff) << 8) | (in[start + 3] & 0xff);
        } else if (second == 127) {
            header = 10;
            if (inLength - start < header) {
                return 0;
            }
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (in[start + i] & 0xff);
            }
        }
        if (inLength - start < header + length) {
            ensureCapacity((int) (header + length));
            return 0;
        }
        int payload = start + header;
        int opcode = first & 0x0f;
        boolean fin = (first & 0x80) != 0;
        if (opcode == 0x8) {
            end(length >= 2 ? ((in[payload] & 0xff) << 8) | (in[payload + 1] & 0xff) : 1005, "close frame");
            return inLength - start;
        }
        if (opcode == 0x9) {
            byte[] pong = Arrays.copyOfRange(in, payload, payload + (int) length);
            send(SocketFleet.encode(0xA, pong));
        } else if (opcode == 0x1 || opcode == 0x2 || opcode == 0x0) {
            if (opcode != 0) {
                messageLength = 0;
                message = fin ? null : new byte[(int) Math.max(1024, length * 2)];
            }
            if (fin && message == null) {
                text(new String(in, payload, (int) length, StandardCharsets.UTF_8));
            } else if (message != null) {
                if (messageLength + length > message.length) {
                    message = Arrays.copyOf(message, (int) Math.max(message.length * 2L, messageLength + length));
                }
                System.arraycopy(in, payload, message, messageLength, (int) length);
                messageLength += (int) length;
                if (fin) {
                    String text = new String(message, 0, messageLength, StandardCharsets.UTF_8);
                    message = null;
                    text(text);
                }
            }
        }
        return (int) (header + length);
    }

    private void text(String text) {
        JsonNode frame;
        try {
            frame = Json.parse(text);
        } catch (RuntimeException e) {
            fleet.increment("unparseable");
            return;
        }
        String op = frame.path("op").asText();
        if ("welcome".equals(op)) {
            fleet.welcomed.incrementAndGet();
            fleet.script.welcomed(this);
            return;
        }
        fleet.increment("error".equals(op) ? "error:" + frame.path("code").asText() : op);
        if ("ping".equals(op)) {
            send("{\"op\":\"pong\"}");
        }
        fleet.script.received(this, frame);
    }

    private void ensureCapacity(int bytes) {
        if (bytes > in.length) {
            in = Arrays.copyOf(in, Math.max(bytes, in.length * 2));
        }
    }

    private void end(int code, String why) {
        if (state == State.ENDED) {
            return;
        }
        if (state != State.OPEN) {
            fleet.handshaking--;
            if (!"refused".equals(why)) {
                fleet.increment("handshake:" + why);
            }
        }
        state = State.ENDED;
        closeCode = code;
        fleet.unsent.addAndGet(-unsent());
        out.clear();
        fleet.increment("close:" + code);
        fleet.ended.incrementAndGet();
        closeSocket();
        fleet.script.ended(this);
    }

    void closeSocket() {
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
