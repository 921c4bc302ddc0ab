package io.switchboard.internal.web;

import io.switchboard.api.Switchboard;
import io.switchboard.internal.lifecycle.NettyThreadLocals;
import io.switchboard.internal.node.SwitchboardNode;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deploys the endpoint if the initializer could not yet, and on undeploy stops the node: every
 * connection closed with 1001, the bus unsubscribed and shut down, no thread left behind.
 */
final class SwitchboardLifecycle implements ServletContextListener {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardLifecycle.class);

    private final SwitchboardNode node;
    private final ServerEndpointConfig endpoint;
    private boolean deployed; // touched only on the container's deploy thread

    SwitchboardLifecycle(SwitchboardNode node, ServerEndpointConfig endpoint) {
        this.node = node;
        this.endpoint = endpoint;
    }

    void deploy(ServerContainer container) {
        try {
            container.addEndpoint(endpoint);
            deployed = true;
        } catch (DeploymentException e) {
            throw new IllegalStateException("cannot deploy the WebSocket endpoint " + endpoint.getPath(), e);
        }
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        if (deployed) {
            return;
        }
        ServerContainer container = (ServerContainer) event.getServletContext().getAttribute(ServerContainer.class.getName());
        if (container == null) {
            node.stop();
            throw new IllegalStateException("this container offers no JSR-356 WebSocket support; Switchboard cannot run");
        }
        deploy(container);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        event.getServletContext().removeAttribute(Switchboard.CONTEXT_ATTRIBUTE);
        try {
            node.stop();
        } finally {
            NettyThreadLocals.release(); // the container's undeploying thread
        }
        log.debug("Switchboard torn down in '{}'", event.getServletContext().getContextPath());
    }
}
