package io.switchboard.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * Finds TCP ports on 127.0.0.1 that nothing listens on. Ports are picked below the Linux ephemeral
 * range (32768+) so that outgoing connections of the tests do not take them between the check and the
 * server binding them.
 */
public final class FreePorts {

    private static final int LOWEST = 20000;
    private static final int HIGHEST = 32000;
    private static final int ATTEMPTS = 200;

    /** Ports handed out before: never handed out twice, even if the server given one has not bound it yet. Guarded by the class. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /** One free port. */
    public static int one() {
        return consecutive(1);
    }

    /** The first of {@code count} consecutive free ports. */
    public static int consecutive(int count) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST - count);
            if (allFree(base, count) && reserve(base, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no " + count + " consecutive free ports between " + LOWEST + " and " + HIGHEST);
    }

    /**
     * A free port whose Redis Cluster bus port ({@code port + 10000}) is free too; both are reserved. Both stay
     * below the ephemeral range.
     */
    public static int withClusterBusPort() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST - 10000);
            if (isFree(port) && isFree(port + 10000) && reserve(List.of(port, port + 10000))) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (port, port + 10000) between " + LOWEST + " and " + HIGHEST);
    }

    /**
     * An offset that moves every one of {@code ports} (a server's standard ports, e.g. WildFly's
     * {@code jboss.socket.binding.port-offset}) onto a free port of the range; the moved ports are reserved
     * like those of {@link #one()}.
     */
    public static int offsetFor(List<Integer> ports) {
        int lowest = ports.stream().min(Integer::compare).orElseThrow();
        int highest = ports.stream().max(Integer::compare).orElseThrow();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(LOWEST - lowest, HIGHEST - highest);
            List<Integer> moved = ports.stream().map(port -> port + offset).collect(Collectors.toList());
            if (moved.stream().allMatch(FreePorts::isFree) && reserve(moved)) {
                return offset;
            }
        }
        throw new IllegalStateException("no offset between " + LOWEST + " and " + HIGHEST + " leaves all of " + ports + " free");
    }

    private static synchronized boolean reserve(List<Integer> ports) {
        if (ports.stream().anyMatch(HANDED_OUT::contains)) {
            return false;
        }
        HANDED_OUT.addAll(ports);
        return true;
    }

    private static synchronized boolean reserve(int base, int count) {
        for (int port = base; port < base + count; port++) {
            if (HANDED_OUT.contains(port)) {
                return false;
            }
        }
        for (int port = base; port < base + count; port++) {
            HANDED_OUT.add(port);
        }
        return true;
    }

    private static boolean allFree(int base, int count) {
        for (int port = base; port < base + count; port++) {
            if (!isFree(port)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
