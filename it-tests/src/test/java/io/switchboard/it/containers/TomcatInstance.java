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
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A standalone Tomcat as a user runs it: one {@code CATALINA_BASE} made from the unpacked distribution
 * ({@code CATALINA_HOME}), its own HTTP port on 127.0.0.1 and no shutdown port, the sample WAR copied
 * into {@code webapps/}, started with {@code bin/catalina.sh run} and configured through environment
 * variables only ({@code SWITCHBOARD_REDIS}, {@code SWITCHBOARD_API_TOKEN}, {@code SWITCHBOARD_TOKEN_SECRET}, {@code SWITCHBOARD_NODE_ID}).
 *
 * <p>{@code catalina.sh run} replaces itself with the JVM, so SIGTERM reaches Tomcat directly and it
 * stops its applications before exiting.
 */
final class TomcatInstance extends ContainerInstance {

    private static final String SERVER_PORT = "<Server port=\"8005\"";
    private static final String HTTP_CONNECTOR = "<Connector port=\"8080\" protocol=\"HTTP/1.1\"";

    private TomcatInstance(String name, Path base, DeployedSample sample, ContainerProcess process) {
        super(name, base, sample, process);
    }

    /**
     * Creates {@code CATALINA_BASE} {@code target/container-instances/<name>}, copies the sample WAR into it
     * and starts Tomcat; returns at once, see {@link #awaitDeployed}.
     */
    static TomcatInstance start(String name, String nodeId, String redisUrl, String apiToken) {
        Path home = Distributions.tomcatHome();
        makeScriptsExecutable(home);
        int port = FreePorts.one();
        Path base = createBase(name, home, port);

        Map<String, String> environment = environment(
                Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString()), nodeId, redisUrl, apiToken);
        ContainerProcess process = ContainerProcess.start(name,
                List.of(home.resolve("bin/catalina.sh").toString(), "run"), environment, LogFile.named(name));
        return new TomcatInstance(name, base, new DeployedSample(nodeId, URI.create("http://127.0.0.1:" + port), apiToken),
                process);
    }

    @Override
    String baseKind() {
        return "CATALINA_BASE";
    }

    /** A zip keeps no permissions: what a user does after unzipping, {@code chmod +x bin/*.sh}. */
    private static void makeScriptsExecutable(Path home) {
        try (Stream<Path> scripts = Files.list(home.resolve("bin"))) {
            for (Path script : (Iterable<Path>) scripts.filter(p -> p.toString().endsWith(".sh"))::iterator) {
                Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(script));
                permissions.addAll(EnumSet.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_EXECUTE));
                Files.setPosixFilePermissions(script, permissions);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the scripts in " + home.resolve("bin") + " executable", e);
        }
    }

    /**
     * {@code conf/} copied from the distribution with {@code server.xml} changed to listen on 127.0.0.1:port
     * with the shutdown port disabled; empty {@code logs/ temp/ work/}; the WAR in {@code webapps/}.
     */
    private static Path createBase(String name, Path home, int port) {
        Path base = Distributions.freshInstanceDir(name);
        try {
            Distributions.copyTree(home.resolve("conf"), base.resolve("conf"));
            for (String dir : List.of("logs", "temp", "work", "webapps")) {
                Files.createDirectories(base.resolve(dir));
            }
            Path serverXml = base.resolve("conf/server.xml");
            String config = Files.readString(serverXml, StandardCharsets.UTF_8);
            config = replaceOnce(config, SERVER_PORT, "<Server port=\"-1\"", serverXml);
            config = replaceOnce(config, HTTP_CONNECTOR,
                    "<Connector address=\"127.0.0.1\" port=\"" + port + "\" protocol=\"HTTP/1.1\"", serverXml);
            Files.writeString(serverXml, config, StandardCharsets.UTF_8);
            Files.copy(Artifacts.sampleWar(), base.resolve("webapps/switchboard-sample.war"));
            return base;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create CATALINA_BASE " + base, e);
        }
    }

    private static String replaceOnce(String text, String target, String replacement, Path file) {
        int at = text.indexOf(target);
        if (at < 0 || text.indexOf(target, at + 1) >= 0) {
            throw new IllegalStateException(file + " does not hold exactly one " + target + " (another Tomcat version?)");
        }
        return text.replace(target, replacement);
    }
}
