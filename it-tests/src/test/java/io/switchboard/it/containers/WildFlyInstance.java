package io.switchboard.it.containers;

import io.switchboard.it.support.Artifacts;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.process.LogFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A WildFly as a user runs it: the unpacked distribution ({@code JBOSS_HOME}) started with
 * {@code bin/standalone.sh}, on its own server base directory (a copy of {@code standalone/configuration}
 * plus a {@code deployments/} folder holding the sample WAR or other WARs, picked up by the deployment
 * scanner at boot), every port moved by {@code -Djboss.socket.binding.port-offset}, bound to 127.0.0.1, and
 * configured for Switchboard through environment variables only.
 *
 * <p>{@code LAUNCH_JBOSS_IN_BACKGROUND=1} makes the script relay SIGTERM to the JVM, which then shuts
 * down gracefully.
 */
final class WildFlyInstance extends ContainerInstance {

    /** The standard ports of standalone.xml: ajp, http, https, management http/https, transactions. */
    private static final List<Integer> STANDARD_PORTS = List.of(8009, 8080, 8443, 9990, 9993, 4712, 4713);

    private WildFlyInstance(String name, Path base, DeployedSample sample, ContainerProcess process) {
        super(name, base, sample, process);
    }

    /**
     * Creates the server base directory {@code target/container-instances/<name>} with the sample WAR in
     * {@code deployments/} and starts WildFly; returns at once, see {@link #awaitDeployed}.
     */
    static WildFlyInstance start(String name, String nodeId, String redisUrl, String apiToken) {
        return start(name, nodeId, redisUrl, apiToken, List.of(Artifacts.sampleWar()));
    }

    /**
     * Like {@link #start(String, String, String, String)} with {@code wars} in {@code deployments/} instead of the
     * sample, each under its own file name (so at the context {@code /<name without .war>}); {@link #sample()} is the
     * first of them.
     */
    static WildFlyInstance start(String name, String nodeId, String redisUrl, String apiToken, List<Path> wars) {
        Path home = Distributions.wildflyHome();
        Path base = Distributions.freshInstanceDir(name);
        Distributions.copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
        try {
            Files.createDirectories(base.resolve("deployments"));
            for (Path war : wars) {
                Files.copy(war, base.resolve("deployments").resolve(war.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + base, e);
        }
        int offset = FreePorts.offsetFor(STANDARD_PORTS);

        Map<String, String> environment = environment(
                Map.of("JBOSS_HOME", home.toString(), "LAUNCH_JBOSS_IN_BACKGROUND", "1"), nodeId, redisUrl, apiToken);
        List<String> command = List.of(home.resolve("bin/standalone.sh").toString(),
                "-Djboss.server.base.dir=" + base,
                "-Djboss.socket.binding.port-offset=" + offset,
                "-b", "127.0.0.1",
                "-bmanagement", "127.0.0.1");
        ContainerProcess process = ContainerProcess.start(name, command, environment, LogFile.named(name));
        URI http = URI.create("http://127.0.0.1:" + (8080 + offset));
        String context = "/" + wars.get(0).getFileName().toString().replaceFirst("\\.war$", "");
        return new WildFlyInstance(name, base, new DeployedSample(nodeId, http, apiToken, context), process);
    }

    /** The deployment scanner marks a WAR it could not deploy with a {@code .failed} file holding the error. */
    @Override
    void checkDeployment() {
        try (Stream<Path> files = Files.list(base().resolve("deployments"))) {
            for (Path failed : (Iterable<Path>) files.filter(file -> file.toString().endsWith(".failed"))::iterator) {
                throw new AssertionError("WildFly could not deploy " + failed.getFileName() + ": " + read(failed));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + base().resolve("deployments"), e);
        }
    }

    @Override
    String baseKind() {
        return "base dir";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
