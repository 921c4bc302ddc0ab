package io.switchboard.it.containers;

import io.switchboard.testkit.FreePorts;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Chooses the port of Arquillian's embedded Tomcat (which cannot bind port 0) once per test JVM, and
 * publishes it as the system property {@code arquillian.xml} reads. Register it before
 * {@code ArquillianExtension}, which starts the container in its own {@code beforeAll}.
 */
final class ArquillianTomcatPort implements BeforeAllCallback {

    static final String PROPERTY = "switchboard.arquillianPort";

    @Override
    public void beforeAll(ExtensionContext context) {
        port();
    }

    /** The port, chosen on first use. */
    static synchronized int port() {
        String chosen = System.getProperty(PROPERTY);
        if (chosen == null) {
            chosen = Integer.toString(FreePorts.one());
            System.setProperty(PROPERTY, chosen);
        }
        return Integer.parseInt(chosen);
    }
}
