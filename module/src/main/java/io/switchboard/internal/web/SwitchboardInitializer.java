package io.switchboard.internal.web;

import io.switchboard.api.Switchboard;
import io.switchboard.internal.lifecycle.NettyThreadLocals;
import io.switchboard.internal.config.ConfigException;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.metrics.JmxDomain;
import io.switchboard.internal.node.SwitchboardNode;
import io.switchboard.internal.security.AdminSessions;
import io.switchboard.internal.security.OriginPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.EnumSet;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Registers Switchboard in any web application that has the jar in {@code WEB-INF/lib}, with no
 * web.xml change: the WebSocket endpoint {@code {prefix}/ws}, its Server-Sent Events counterpart
 * {@code {prefix}/sse} for networks that block WebSockets, the API servlet {@code {prefix}/api/*},
 * the browser client {@code {prefix}/client.js}, the admin page {@code {prefix}/admin/}, and a
 * listener that tears it all down on undeploy.
 *
 * <p>Switched off by the context parameter {@code switchboard.enabled=false}. A configuration
 * that cannot work fails the deployment with a {@link ServletException} naming the setting.
 */
public final class SwitchboardInitializer implements ServletContainerInitializer {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardInitializer.class);

    @Override
    public void onStartup(java.util.Set<Class<?>> classes, ServletContext context) throws ServletException {
        start(context, context::getInitParameter);
    }

    /**
     * Starts Switchboard in {@code context} as the container's run of this initializer does, with the settings
     * looked up in {@code settings} first (then system properties and environment variables, as always): for a
     * framework that starts the servlet context itself and runs no initializer found in a jar (Spring Boot's
     * embedded Tomcat), and has settings of its own. Call it while the context is being started.
     *
     * <p>Does nothing if Switchboard already runs in {@code context}: a framework's application deployed as a
     * WAR to a container is started by both, in either order, and the first one wins.
     *
     * @param settings the value of a setting ({@code switchboard.redis}, ...), or null if not set
     * @throws ServletException if the configuration cannot work (naming the setting) or the node cannot start
     */
    public static void start(ServletContext context, UnaryOperator<String> settings) throws ServletException {
        if (context.getAttribute(Switchboard.CONTEXT_ATTRIBUTE) != null) {
            log.info("Switchboard already runs in '{}': not started a second time", context.getContextPath());
            return;
        }
        SwitchboardConfig config;
        try {
            config = SwitchboardConfig.load(ConfigSource.of(settings));
        } catch (ConfigException e) {
            throw new ServletException("Switchboard configuration: " + e.getMessage());
        }
        if (!config.enabled()) {
            log.info("Switchboard is switched off in '{}' ({}=false)", context.getContextPath(), SwitchboardConfig.ENABLED);
            return;
        }
        SwitchboardNode node;
        try {
            node = SwitchboardNode.of(config, JmxDomain.forContext(context.getContextPath()), applicationRegistry(context));
        } catch (ConfigException e) {
            throw new ServletException("Switchboard configuration: " + e.getMessage());
        }
        try {
            node.start();
            OriginPolicy origins = new OriginPolicy(config.allowedOrigins(), config.publicHosts());
            log.info("Switchboard handshakes accepted from {}; client tokens {}", origins.describe(),
                    node.clientTokens().isPresent() ? "enabled" : "disabled (no " + SwitchboardConfig.TOKEN_SECRET + ")");
            Optional<AdminSessions> adminSessions = config.apiToken().map(token -> new AdminSessions(token, Clock.systemUTC()));
            register(context, node, new Identities(origins, node.clientTokens(), adminSessions), adminSessions);
        } catch (RuntimeException | ServletException e) {
            node.stop();
            throw e instanceof ServletException se ? se : new ServletException("Switchboard failed to start", e);
        } finally {
            NettyThreadLocals.release(); // the container's deploying thread
        }
    }

    /** The application's own registry, if it handed one over before Switchboard started. */
    private static Optional<MeterRegistry> applicationRegistry(ServletContext context) throws ServletException {
        Object registry = context.getAttribute(Switchboard.METER_REGISTRY_ATTRIBUTE);
        if (registry == null || registry instanceof MeterRegistry) {
            return Optional.ofNullable((MeterRegistry) registry);
        }
        throw new ServletException("the context attribute " + Switchboard.METER_REGISTRY_ATTRIBUTE
                + " must be a io.micrometer.core.instrument.MeterRegistry, was a " + registry.getClass().getName());
    }

    private static void register(ServletContext context, SwitchboardNode node, Identities identities,
                                 Optional<AdminSessions> adminSessions) throws ServletException {
        String prefix = node.config().prefix();

        // Connections authenticated by a container login end with its HTTP session.
        LoginSessions logins = new LoginSessions();
        ServletRegistration.Dynamic api = context.addServlet("switchboard-api", new ApiServlet(node));
        ServletRegistration.Dynamic client = context.addServlet("switchboard-client", new ClientScriptServlet());
        ServletRegistration.Dynamic sse = context.addServlet("switchboard-sse",
                new SseServlet(node, identities, logins, new SseSessions(node.cluster())));
        ServletRegistration.Dynamic admin = context.addServlet("switchboard-admin", new AdminServlet(adminSessions));
        FilterRegistration.Dynamic guard = context.addFilter("switchboard-handshake-guard", new HandshakeGuard(identities));
        if (api == null || client == null || sse == null || admin == null || guard == null) {
            throw new ServletException("Switchboard is registered twice in '" + context.getContextPath()
                    + "' (is the jar in WEB-INF/lib twice?)");
        }
        api.addMapping(prefix + "/api/*");
        api.setAsyncSupported(true);
        client.addMapping(prefix + "/client.js");
        sse.addMapping(prefix + "/sse/*"); // the stream at /sse, a session's requests at /sse/{session}
        sse.setAsyncSupported(true);
        admin.addMapping(prefix + "/admin/*");
        // Before the container's own WebSocket filter, so a refused handshake is never upgraded.
        guard.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, prefix + "/ws");
        guard.setAsyncSupported(true);

        context.addListener(logins);

        ServerEndpointConfig endpoint = ServerEndpointConfig.Builder.create(SwitchboardEndpoint.class, prefix + "/ws")
                .configurator(new HandshakeCapture(node, identities, logins))
                .build();
        SwitchboardLifecycle lifecycle = new SwitchboardLifecycle(node, endpoint);
        // The container's WebSocket initializer may run after ours: then the endpoint is added
        // when the context is initialized (the ServerContainer allows it until the app has started).
        ServerContainer container = (ServerContainer) context.getAttribute(ServerContainer.class.getName());
        if (container != null) {
            lifecycle.deploy(container);
        }
        context.addListener(lifecycle);
        context.setAttribute(Switchboard.CONTEXT_ATTRIBUTE, node.api());
    }
}
