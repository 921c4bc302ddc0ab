package io.switchboard.bench.target;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Redis both systems share: a private {@code redis-server} this benchmark started (no persistence), or
 * one that {@code bench/run} started and handed over by port and pid.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final long pid;
    private final ChildProcess process; // null when handed over

    private RedisServer(int port, long pid, ChildProcess process) {
        this.port = port;
        this.pid = pid;
        this.process = process;
    }

    /** Starts {@code redis-server} on a free port of 127.0.0.1. */
    public static RedisServer start(Path logDir) throws IOException {
        int port = Ports.free();
        ChildProcess process = ChildProcess.start("redis", List.of("redis-server", "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"),
                null, Map.of(), logDir.resolve("redis.log"));
        process.awaitLine(line -> line.contains("Ready to accept connections"), Duration.ofSeconds(20));
        RedisServer redis = new RedisServer(port, process.pid(), process);
        redis.call("PING");
        return redis;
    }

    /** A Redis that someone else started (and stops). */
    public static RedisServer existing(int port, long pid) throws IOException {
        RedisServer redis = new RedisServer(port, pid, null);
        redis.call("PING");
        return redis;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return pid;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Sends one command and returns the first line of the answer (enough for PING and FLUSHALL). */
    public String call(String... command) throws IOException {
        try (Socket socket = send(command)) {
            return firstLine(socket.getInputStream());
        }
    }

    /** {@code INFO section}: the answer's {@code field:value} lines. */
    public Map<String, String> info(String section) throws IOException {
        try (Socket socket = send("INFO", section)) {
            InputStream in = socket.getInputStream();
            String header = firstLine(in); // $<length>
            if (!header.startsWith("$")) {
                throw new IOException("redis answered INFO with " + header);
            }
            String text = new String(in.readNBytes(Integer.parseInt(header.substring(1))), StandardCharsets.UTF_8);
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : text.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("#")) {
                    fields.put(line.substring(0, colon), line.substring(colon + 1));
                }
            }
            return fields;
        }
    }

    private Socket send(String... command) throws IOException {
        StringBuilder request = new StringBuilder("*").append(command.length).append("\r\n");
        for (String part : command) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            request.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
        }
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        try {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static String firstLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (line.length() > 0 && line.charAt(0) == '-') {
            throw new IOException("redis answered " + line);
        }
        return line.toString();
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}
