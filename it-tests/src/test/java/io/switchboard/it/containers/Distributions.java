package io.switchboard.it.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The official Tomcat and WildFly distributions the build unpacked (maven-dependency-plugin, into
 * {@code target/containers}), and the directories of the server instances the tests create from them.
 * A missing distribution is a failure, never a skip: the build always provides them.
 */
final class Distributions {

    private Distributions() {
    }

    /** {@code CATALINA_HOME}: the unpacked {@code org.apache.tomcat:tomcat} zip. */
    static Path tomcatHome() {
        return existing("switchboard.tomcatHome", "bin/catalina.sh", "the org.apache.tomcat:tomcat zip");
    }

    /** {@code JBOSS_HOME}: the unpacked {@code org.wildfly:wildfly-dist} tar.gz. */
    static Path wildflyHome() {
        return existing("switchboard.wildflyHome", "bin/standalone.sh", "the org.wildfly:wildfly-dist tar.gz");
    }

    /** An empty directory for the instance {@code name} (its previous content, from an earlier run, deleted). */
    static Path freshInstanceDir(String name) {
        Path dir = Paths.get(System.getProperty("switchboard.instancesDir", "target/container-instances"))
                .resolve(name).toAbsolutePath();
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                        Files.delete(path);
                    }
                }
            }
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    /** Copies the directory tree {@code from} into {@code to}. */
    static void copyTree(Path from, Path to) {
        try {
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.copy(file, to.resolve(from.relativize(file).toString()));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    /** The {@code JAVA_HOME} the servers run on: the JDK running the tests. */
    static String javaHome() {
        return System.getProperty("java.home");
    }

    private static Path existing(String property, String marker, String what) {
        String value = System.getProperty(property);
        if (value == null) {
            throw new IllegalStateException("system property " + property + " is not set: run the tests with Maven"
                    + " (mvn verify), which unpacks " + what + " and passes its location");
        }
        Path home = Paths.get(value).toAbsolutePath().normalize();
        if (!Files.isRegularFile(home.resolve(marker))) {
            throw new IllegalStateException(home + " holds no " + marker + ": " + what + " was not unpacked"
                    + " (mvn verify does it in pre-integration-test)");
        }
        return home;
    }
}
