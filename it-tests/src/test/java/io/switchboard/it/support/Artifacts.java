package io.switchboard.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** The built artifacts the tests run: paths come from the build (failsafe system properties). */
public final class Artifacts {

    private Artifacts() {
    }

    /** {@code sample-webapp/target/switchboard-demo.jar}: the launcher and the worker main class. */
    public static Path demoJar() {
        return existing("switchboard.demoJar", "../sample-webapp/target/switchboard-demo.jar");
    }

    /** {@code sample-webapp/target/switchboard-sample.war}. */
    public static Path sampleWar() {
        return existing("switchboard.sampleWar", "../sample-webapp/target/switchboard-sample.war");
    }

    /** {@code it-apps/cdi-war/target/cdi-app.war}: CDI beans that inject Switchboard. */
    public static Path cdiWar() {
        return existing("switchboard.cdiWar", "../it-apps/cdi-war/target/cdi-app.war");
    }

    /** {@code it-apps/cdi-war/target/cdi-app-own-producer.war}: the same, with the application's own Switchboard producer. */
    public static Path cdiOwnProducerWar() {
        return existing("switchboard.cdiOwnProducerWar", "../it-apps/cdi-war/target/cdi-app-own-producer.war");
    }

    /** {@code it-apps/spring-boot-app/target/spring-boot-app.jar}: the executable jar of a Spring Boot application with the starter. */
    public static Path springBootAppJar() {
        return existing("switchboard.springBootAppJar", "../it-apps/spring-boot-app/target/spring-boot-app.jar");
    }

    /** The {@code java} executable of the JVM running the tests, used for every child JVM. */
    public static String java() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path existing(String property, String fallback) {
        Path path = Paths.get(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " does not exist: build it first (mvn -DskipTests package)");
        }
        return path;
    }
}
