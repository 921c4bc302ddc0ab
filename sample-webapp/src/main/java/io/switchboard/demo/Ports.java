package io.switchboard.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Local port checks for the launcher (everything listens on 127.0.0.1). */
final class Ports {

    private Ports() {
    }

    /** Whether 127.0.0.1:{@code port} can be bound right now (a listener on 0.0.0.0 or 127.0.0.1 makes it fail). */
    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // As Tomcat binds: SO_REUSEADDR, so a port in TIME_WAIT after a previous run counts as free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port that was free a moment ago, chosen by the kernel. */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
