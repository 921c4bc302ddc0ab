package io.switchboard.internal.cdi;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import jakarta.servlet.ServletContext;

/**
 * Hands the web application's servlet context (the payload of the application scope's start) to
 * {@link SwitchboardExtension}, before every observer of the application's, which may already use Switchboard.
 * It runs after the module's initializer: the container starts the application scope in a listener.
 *
 * <p>A bean of the jar (found through its {@code META-INF/beans.xml}), not an observer method of the extension:
 * WildFly notifies the beans of the web module of this event, and not the extensions.
 */
@Dependent
class ApplicationStart {

    void started(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) @Initialized(ApplicationScoped.class)
                 ServletContext servletContext, SwitchboardExtension extension) {
        extension.applicationStarted(servletContext);
    }
}
