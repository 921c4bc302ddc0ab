package io.switchboard.internal.bus;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A real {@code redis-server} on a free port, with nothing persisted; for tests of the Redis bus. */
final class RedisProcess implements AutoCloseable {
    final int port;
    private java.util.List<String> settings;
    private Process process;

    RedisProcess() throws IOException, InterruptedException {
        this("--save", "", "--appendonly", "no");
    }

    /** With these settings instead of "nothing persisted", e.g. a {@code --dir} and an append-only file. */
    RedisProcess(String... settings) throws IOException, InterruptedException {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        this.settings = java.util.List.of(settings);
        start();
    }

    /** Starts (again) on the same port with the same settings (empty unless they persist something). */
    void start() throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(
                java.util.List.of("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1"));
        command.addAll(settings);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                probe.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                if (probe.getInputStream().read() == '+') {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    /** Starts again on the same port with other settings: another Redis process, configured differently. */
    void restartWith(String... otherSettings) throws IOException, InterruptedException {
        settings = java.util.List.of(otherSettings);
        start();
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Sends one inline command and returns the raw reply text (enough for PUBSUB NUMSUB and friends). */
    String command(String inline) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2000);
            socket.getOutputStream().write((inline + "\r\nQUIT\r\n").getBytes(StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** SIGKILL: Redis gets no chance to save anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
