package io.switchboard.it.support;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real nginx (the Debian package) in front of some nodes, as the kind of reverse proxy that breaks
 * WebSockets: every request with an {@code Upgrade} header is answered 403, every other one is proxied
 * round robin to the nodes (no sticky sessions), with buffering off in both directions so that an event
 * stream passes each message on as it comes. A node that refuses connections (killed) is skipped, as a
 * load balancer's passive health check does.
 *
 * <p>It runs as one foreground process (no daemon, no master) on a free port of 127.0.0.1, with its
 * configuration, logs and temporary files in {@code target/nginx/<name>/}; {@link #close()} stops it. In
 * CI ({@code CI=true}) a missing nginx is a failure; elsewhere the test is skipped, saying what to install.
 */
public final class Nginx implements AutoCloseable {

    private static final Path BINARY = Paths.get(System.getProperty("switchboard.nginx", "/usr/sbin/nginx"));

    private final int port;
    private final Path dir;
    private final ChildProcess process;

    private Nginx(int port, Path dir, ChildProcess process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
    }

    /** Skips the test (fails it in CI) if nginx is not installed. */
    public static void assumeInstalled() {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        String missing = "the test needs nginx at " + BINARY + " (Debian: apt-get install nginx; .ci/run installs it)";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + "; in CI a missing nginx is a failure");
        }
        Assumptions.abort(missing + "; skipping it on this machine");
    }

    /** Starts nginx in front of {@code upstreams} and waits until it accepts connections. */
    public static Nginx refusingUpgradesInFrontOf(String name, List<ServerNode> upstreams) {
        assumeInstalled();
        int port = FreePorts.one();
        Path dir;
        try {
            dir = Files.createDirectories(Paths.get("target/nginx").resolve(name + "-" + System.nanoTime())).toAbsolutePath();
            Files.writeString(dir.resolve("nginx.conf"), config(port, dir, upstreams), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildProcess process = ChildProcess.start(name, List.of(BINARY.toString(), "-p", dir.toString(),
                "-c", dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString()), LogFile.named(name));
        Nginx nginx = new Nginx(port, dir, process);
        try {
            Await.until(name + " listening on " + port, Duration.ofSeconds(15), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + ": " + nginx.errorLog());
                }
                return nginx.accepts();
            });
        } catch (RuntimeException | Error e) {
            nginx.close();
            throw e;
        }
        return nginx;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The access log so far: one line per request, with its status. */
    public String accessLog() {
        return read(dir.resolve("access.log"));
    }

    public String errorLog() {
        return read(dir.resolve("error.log"));
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "nginx " + baseUri() + " (" + dir + ")";
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String config(int port, Path dir, List<ServerNode> upstreams) {
        String servers = upstreams.stream()
                .map(node -> "    server 127.0.0.1:" + node.port() + " max_fails=1 fail_timeout=30s;")
                .collect(Collectors.joining("\n"));
        return """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log info;
                events { worker_connections 512; }
                http {
                  access_log %1$s/access.log;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  upstream switchboard {
                %2$s
                  }
                  server {
                    listen 127.0.0.1:%3$d;
                    location / {
                      # The network this test stands for breaks WebSockets: no upgrade gets through.
                      if ($http_upgrade) {
                        return 403;
                      }
                      proxy_pass http://switchboard;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_set_header Host $http_host;
                      proxy_buffering off;
                      proxy_request_buffering off;
                      proxy_connect_timeout 2s;
                      proxy_next_upstream error timeout;
                    }
                  }
                }
                """.formatted(dir, servers, port);
    }
}
