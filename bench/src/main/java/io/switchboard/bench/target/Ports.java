package io.switchboard.bench.target;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on 127.0.0.1 (never 6379, the port a developer's own Redis may use). */
public final class Ports {
    private static final int AVOID = 6379;

    private Ports() {
    }

    public static int free() {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (socket.getLocalPort() != AVOID) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1");
    }

    /** The first of {@code count} consecutive free ports (the Socket.IO baseline listens on P, P+1, ...). */
    public static int freeRange(int count) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base = belowEphemeral();
            boolean allFree = true;
            for (int port = base; port < base + count && allFree; port++) {
                allFree = port != AVOID && isFree(port);
            }
            if (allFree) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports on 127.0.0.1");
    }

    /** A free port whose partner {@code port + offset} is free too (a Redis Cluster node's bus port). */
    static int freeWithPartner(int offset) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = belowEphemeral();
            if (port != AVOID && isFree(port) && isFree(port + offset)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port with a free port " + offset + " above it on 127.0.0.1");
    }

    /** Below the kernel's ephemeral range (32768+), which the generator's own connections use. */
    private static int belowEphemeral() {
        return 20000 + (int) (Math.random() * 12000);
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return socket.isBound();
        } catch (IOException e) {
            return false;
        }
    }
}
