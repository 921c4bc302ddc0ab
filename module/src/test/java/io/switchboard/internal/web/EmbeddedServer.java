package io.switchboard.internal.web;

import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsConnector;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.websocket.server.WsSci;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Map;

/** A real embedded Tomcat with the WebSocket support and Switchboard's initializer, on a free port. */
final class EmbeddedServer implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Context context;

    EmbeddedServer(Map<String, String> contextParameters) throws LifecycleException, IOException {
        this(contextParameters, false);
    }

    /**
     * @param logins whether the context has a realm (any user name, password {@value TestLogins#PASSWORD})
     *               and {@code POST /login?user=}, {@code POST /logout}, as an application's login would
     */
    EmbeddedServer(Map<String, String> contextParameters, boolean logins) throws LifecycleException, IOException {
        this(contextParameters, logins, null);
    }

    /** @param first an initializer of the application that runs before Switchboard's; null for none */
    EmbeddedServer(Map<String, String> contextParameters, boolean logins, jakarta.servlet.ServletContainerInitializer first)
            throws LifecycleException, IOException {
        File base = Files.createTempDirectory("switchboard-tomcat").toFile();
        tomcat.setBaseDir(base.getAbsolutePath());
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        context = tomcat.addContext("", base.getAbsolutePath());
        contextParameters.forEach(context::addParameter);
        if (first != null) {
            context.addServletContainerInitializer(first, null);
        }
        context.addServletContainerInitializer(new WsSci(), null);
        context.addServletContainerInitializer(new SwitchboardInitializer(), null);
        // With no servlet mapped at all, Tomcat answers the upgrade request with 404.
        Tomcat.addServlet(context, "default", new org.apache.catalina.servlets.DefaultServlet());
        context.addServletMappingDecoded("/", "default");
        if (logins) {
            TestLogins.install(context);
        }
        tomcat.start();
    }

    boolean contextAvailable() {
        return context.getState().isAvailable();
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    /** {@code http://127.0.0.1:<port>}: the server's own Origin. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** A WebSocket connection to {@code /switchboard/ws}, with the server's own Origin unless told otherwise. */
    WsConnector ws() {
        return WsClient.to(baseUri());
    }

    jakarta.servlet.ServletContext servletContext() {
        return context.getServletContext();
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
