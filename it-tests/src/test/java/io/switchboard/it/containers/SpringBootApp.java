package io.switchboard.it.containers;

import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.Artifacts;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.LogFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Spring Boot application of {@code it-apps/spring-boot-app} as a user runs it: {@code java -jar} of its
 * executable jar in a directory of its own that holds its {@code application.properties} (which Spring Boot reads
 * from the working directory), on 127.0.0.1 and a free port. No {@code SWITCHBOARD_*} variable reaches it: every
 * setting comes from that file.
 */
final class SpringBootApp implements AutoCloseable {

    private final String name;
    private final URI base;
    private final ContainerProcess process;

    private SpringBootApp(String name, URI base, ContainerProcess process) {
        this.name = name;
        this.base = base;
        this.process = process;
    }

    /**
     * Writes {@code target/container-instances/<name>/application.properties} with {@code properties} plus the
     * server's address and port, and starts the application there; returns at once, see {@link #awaitUp}.
     */
    static SpringBootApp start(String name, Map<String, String> properties) {
        Path dir = Distributions.freshInstanceDir(name);
        int port = FreePorts.one();
        String file = "server.address=127.0.0.1\nserver.port=" + port + "\n" + properties.entrySet().stream()
                .map(property -> property.getKey() + "=" + property.getValue() + "\n")
                .collect(Collectors.joining());
        try {
            Files.writeString(dir.resolve("application.properties"), file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the application.properties of " + name, e);
        }
        List<String> command = List.of(Artifacts.java(), "-Xmx256m", "-jar", Artifacts.springBootAppJar().toString());
        ContainerProcess process = ContainerProcess.start(name, command, dir,
                Map.of("JAVA_HOME", Distributions.javaHome()), LogFile.named(name));
        return new SpringBootApp(name, URI.create("http://127.0.0.1:" + port), process);
    }

    /** Waits until {@code GET healthPath} answers 200; fails with the log's tail otherwise. */
    void awaitUp(String healthPath, Duration timeout) {
        process.awaitUp(name + " answering " + healthPath, timeout, () -> {
            try {
                return ApiClient.of(base, null).get(healthPath).status();
            } catch (UncheckedIOException e) {
                return -1;
            }
        }, status -> status == 200);
    }

    /** {@code http://127.0.0.1:<port>} */
    URI base() {
        return base;
    }

    /** SIGTERM, waiting up to {@code timeout}; true if the application ended by itself (no SIGKILL needed). */
    boolean stop(Duration timeout) {
        return process.stop(timeout);
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return name + " (" + base + ", " + process + ")";
    }
}
