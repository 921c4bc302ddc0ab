package io.switchboard.it.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * A non-blocking socket of an {@link SseFleet} that writes what it is given and feeds what it reads to an
 * {@link HttpResponses}. Every method runs on the fleet's thread.
 */
final class HttpSocket {

    private final InetSocketAddress address;
    private final ByteBuffer readBuffer;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    private final HttpResponses responses;
    private final Runnable onEnd;
    private boolean reading = true;
    private boolean connected;
    private boolean ended;
    int waiting; // POSTs sent, not answered: kept by the stream that POSTs on it
    private final boolean counted;

    HttpSocket(Selector selector, InetSocketAddress address, ByteBuffer readBuffer, int receiveBuffer, boolean counted,
               HttpResponses.Listener listener, Runnable onEnd) {
        this.address = address;
        this.readBuffer = readBuffer;
        this.counted = counted;
        this.responses = new HttpResponses(listener);
        this.onEnd = onEnd;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            if (receiveBuffer > 0) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            connected = channel.connect(address);
        } catch (IOException e) {
            throw new AssertionError("cannot open a socket to " + address, e);
        }
    }

    void write(byte[] bytes) {
        if (ended) {
            return;
        }
        out.add(ByteBuffer.wrap(bytes));
        if (connected) {
            flush();
        }
    }

    void ready(SelectionKey selected) {
        try {
            if (!selected.isValid()) {
                return;
            }
            if (selected.isConnectable() && channel.finishConnect()) {
                connected = true;
                flush();
            }
            if (selected.isValid() && selected.isWritable()) {
                flush();
            }
            if (selected.isValid() && selected.isReadable()) {
                readBuffer.clear();
                int read = channel.read(readBuffer);
                if (read < 0) {
                    close();
                    return;
                }
                readBuffer.flip();
                byte[] bytes = new byte[read];
                readBuffer.get(bytes);
                responses.feed(bytes);
            }
        } catch (IOException e) {
            close();
        }
    }

    private void flush() {
        try {
            while (!out.isEmpty()) {
                ByteBuffer buffer = out.peek();
                channel.write(buffer);
                if (buffer.hasRemaining()) {
                    break;
                }
                out.poll();
            }
            interest();
        } catch (IOException e) {
            close();
        }
    }

    boolean ended() {
        return ended;
    }

    /** Whether the answers and losses of POSTs on it are counted. */
    boolean counted() {
        return counted;
    }

    /** From now on nothing is read: the receive buffer fills and the server's writes stall. */
    void stopReading() {
        reading = false;
        interest();
    }

    private void interest() {
        if (!ended && key.isValid() && connected) {
            key.interestOps((out.isEmpty() ? 0 : SelectionKey.OP_WRITE) | (reading ? SelectionKey.OP_READ : 0));
        }
    }

    void close() {
        if (ended) {
            return;
        }
        ended = true;
        out.clear();
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // already gone
        }
        onEnd.run();
    }
}
