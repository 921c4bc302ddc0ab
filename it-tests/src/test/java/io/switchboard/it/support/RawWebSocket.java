package io.switchboard.it.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for what a well-behaved client library never does: frames
 * that are not valid UTF-8, arbitrary opcodes, and a client that stops reading altogether (its small
 * receive buffer fills and the server's writes stall).
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public final class RawWebSocket implements AutoCloseable {

    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;

    /** One message received from the server: a control frame, or a text or binary message with its fragments joined. */
    public record Frame(int opcode, byte[] payload) {

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame, 1005 if it carries none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int status;
    private final String responseHead;
    private String lastFailure;

    private RawWebSocket(Socket socket, InputStream in, int status, String responseHead) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
        this.status = status;
        this.responseHead = responseHead;
    }

    /**
     * Sends the upgrade request to {@code {prefix}/ws} of {@code node} with the node's own Origin.
     *
     * @param receiveBuffer the socket's receive buffer in bytes (small: a client that stops reading
     *                      stalls the server soon), or 0 for the system default
     */
    public static RawWebSocket open(ServerNode node, int receiveBuffer) {
        return open(node.port(), "/switchboard/ws", "http://127.0.0.1:" + node.port(), receiveBuffer);
    }

    /** Like {@link #open(ServerNode, int)} with any path (query included) and Origin ({@code null}: none). */
    public static RawWebSocket open(int port, String pathAndQuery, String origin, int receiveBuffer) {
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(15_000);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String request = "GET " + pathAndQuery + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + port + "\r\n"
                    + "Upgrade: websocket\r\n"
                    + "Connection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Sec-WebSocket-Version: 13\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n")
                    + "\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1024);
            String head = readHead(in);
            String[] statusLine = head.split("\r\n", 2)[0].split(" ");
            return new RawWebSocket(socket, in, Integer.parseInt(statusLine[1]), head);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("WebSocket handshake with 127.0.0.1:" + port + pathAndQuery + " failed", e);
        }
    }

    /** The HTTP status of the handshake answer: 101 when upgraded. */
    public int status() {
        return status;
    }

    /** The status line and headers of the handshake answer. */
    public String responseHead() {
        return responseHead;
    }

    public void sendText(String text) {
        sendFrame(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one complete, masked frame with any opcode and payload (which may be invalid for that opcode). */
    public void sendFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        try {
            out.write(frame.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot send a frame of " + payload.length + " bytes", e);
        }
    }

    /**
     * Reads the next message, waiting at most {@code timeout} for each of its frames: a control frame as it
     * is, a fragmented text or binary message joined into one. Answers nothing by itself.
     */
    public Frame read(Duration timeout) throws IOException {
        ByteArrayOutputStream fragments = null;
        int messageOpcode = 0;
        while (true) {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            int first = in.read();
            if (first < 0) {
                throw new EOFException("the server closed the TCP connection");
            }
            boolean fin = (first & 0x80) != 0;
            int opcode = first & 0x0f;
            byte[] payload = readPayload();
            if (opcode >= CLOSE) {
                return new Frame(opcode, payload);
            }
            if (opcode != 0) {
                messageOpcode = opcode;
                fragments = new ByteArrayOutputStream();
            } else if (fragments == null) {
                throw new IOException("a continuation frame without a message to continue");
            }
            fragments.writeBytes(payload);
            if (fin) {
                return new Frame(messageOpcode, fragments.toByteArray());
            }
        }
    }

    private byte[] readPayload() throws IOException {
        int second = readByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = (readByte() << 8) | readByte();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | readByte();
            }
        }
        byte[] mask = (second & 0x80) != 0 ? in.readNBytes(4) : null;
        byte[] payload = in.readNBytes((int) length);
        if (payload.length != length) {
            throw new EOFException("the connection ended inside a frame");
        }
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        return payload;
    }

    /** Reads frames until a text frame arrives; returns its text. */
    public String readText(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Frame frame = read(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (frame.opcode() == TEXT) {
                return frame.text();
            }
            if (frame.opcode() == CLOSE) {
                throw new IOException("closed with " + frame.closeCode() + " while waiting for a text frame");
            }
        }
    }

    /**
     * Reads until the server's close frame and returns its code; -1 if the TCP connection ended
     * without one. Text frames read on the way are ignored.
     */
    public int awaitCloseCode(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new AssertionError("no close from the server within " + timeout.toMillis() + " ms");
                }
                Frame frame = read(Duration.ofNanos(remaining));
                if (frame.opcode() == CLOSE) {
                    return frame.closeCode();
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no close from the server within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            lastFailure = e.toString();
            return -1;
        }
    }

    /** What ended the connection when {@link #awaitCloseCode} returned -1. */
    public String lastFailure() {
        return lastFailure;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the connection ended inside a frame header");
        }
        return b;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the server closed the connection during the handshake: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
