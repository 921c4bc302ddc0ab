package io.switchboard.internal.bus;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Redis Cluster of three masters (no replicas), each a {@code redis-server} on a free port
 * of 127.0.0.1 with nothing persisted, joined by {@code redis-cli --cluster create}.
 */
final class RedisClusterProcess implements AutoCloseable {
    private static final int MASTERS = 3;
    private final Path dir;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    RedisClusterProcess() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("switchboard-redis-cluster");
        try {
            for (int i = 0; i < MASTERS; i++) {
                int port = freePortWithFreeBusPort();
                ports.add(port);
                processes.add(new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                        "--cluster-node-timeout", "2000", "--dir", dir.toString(), "--save", "", "--appendonly", "no")
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                        .start());
            }
            for (int port : ports) {
                awaitReply(port, "PING", "+PONG");
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (int port : ports) {
                create.add("127.0.0.1:" + port);
            }
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process cli = new ProcessBuilder(create).redirectErrorStream(true).start();
            String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!cli.waitFor(30, TimeUnit.SECONDS) || cli.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed: " + output);
            }
            for (int port : ports) {
                awaitReply(port, "CLUSTER INFO", "cluster_state:ok");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A Redisson YAML file for this cluster, with the module's settings applied by RedisClients. */
    Path redissonYaml() throws IOException {
        StringBuilder yaml = new StringBuilder("clusterServersConfig:\n  scanInterval: 1000\n  masterConnectionMinimumIdleSize: 2\n"
                + "  subscriptionConnectionMinimumIdleSize: 1\n  nodeAddresses:\n");
        for (int port : ports) {
            yaml.append("  - \"redis://127.0.0.1:").append(port).append("\"\n");
        }
        return Files.writeString(dir.resolve("redisson.yaml"), yaml);
    }

    /** Sends one inline command about a key to each master until one owns the key's slot; returns its reply. */
    String commandForKey(String inline) throws IOException {
        for (int port : ports) {
            String answer = command(port, inline);
            if (!answer.startsWith("-MOVED")) {
                return answer;
            }
        }
        throw new IllegalStateException("no master accepted " + inline);
    }

    private static String command(int port, String inline) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write((inline + "\r\nQUIT\r\n").getBytes(StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void awaitReply(int port, String inline, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                last = command(port, inline);
                if (last.contains(expected)) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("redis-server on port " + port + " did not answer " + inline + " with "
                + expected + ": " + last);
    }

    /** A free port whose cluster bus port (port + 10000) is free too. */
    private static int freePortWithFreeBusPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            if (port + 10000 > 65535) {
                continue;
            }
            try (ServerSocket bus = new ServerSocket(port + 10000)) {
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair (port, port + 10000) found");
    }

    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroy();
        }
        for (Process process : processes) {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory left behind is harmless
        }
    }
}
