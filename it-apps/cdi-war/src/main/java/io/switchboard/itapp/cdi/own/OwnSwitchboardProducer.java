package io.switchboard.itapp.cdi.own;

import io.switchboard.api.Switchboard;
import io.switchboard.itapp.cdi.AnnounceServlet;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.interceptor.Interceptor;
import jakarta.servlet.ServletContext;

/**
 * The producer an application wrote before Switchboard offered its own bean (only in
 * {@code cdi-app-own-producer.war}): it must keep working, with no ambiguous injection. It takes the servlet
 * context from the application scope's start, before the application's other observers of it (the container's
 * {@code ServletContext} bean would work only inside a request).
 */
@ApplicationScoped
public class OwnSwitchboardProducer {

    private volatile ServletContext servletContext;

    void started(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) @Initialized(ApplicationScoped.class)
                 ServletContext started) {
        started.setAttribute(AnnounceServlet.PRODUCER_ATTRIBUTE, "application");
        servletContext = started;
    }

    @Produces
    @ApplicationScoped
    Switchboard switchboard() {
        return Switchboard.from(servletContext);
    }
}
