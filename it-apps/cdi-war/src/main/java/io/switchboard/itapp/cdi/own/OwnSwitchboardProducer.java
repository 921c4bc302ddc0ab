package io.switchboard.itapp.cdi.own;

import io.switchboard.api.Switchboard;
import io.switchboard.itapp.cdi.AnnounceServlet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.servlet.ServletContext;

/**
 * The producer an application wrote before Switchboard offered its own bean (only in
 * {@code cdi-app-own-producer.war}): it must keep working, with no ambiguous injection.
 */
@ApplicationScoped
public class OwnSwitchboardProducer {

    @Produces
    @ApplicationScoped
    Switchboard switchboard(ServletContext servletContext) {
        servletContext.setAttribute(AnnounceServlet.PRODUCER_ATTRIBUTE, "application");
        return Switchboard.from(servletContext);
    }
}
