package io.switchboard.spring;

import io.switchboard.api.Switchboard;
import io.switchboard.internal.web.SwitchboardInitializer;
import jakarta.servlet.ServletContext;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Switchboard in a Spring Boot servlet web application: its endpoint, API and client script registered in the
 * embedded server's context, configured from the application's {@link Environment} ({@code application.properties},
 * profiles, command line, ...) with the same {@code switchboard.*} keys as everywhere, and the running
 * {@link Switchboard} as a bean.
 *
 * <p>Spring Boot's embedded Tomcat runs no {@code ServletContainerInitializer} found in a jar, so the module's own
 * initializer never runs there: a {@link ServletContextInitializer} bean, which Spring Boot runs while the embedded
 * server starts the context, does its work instead ({@link SwitchboardInitializer#start}). In a Spring Boot WAR
 * deployed to a container, both run and the first one wins; the bean is the one running instance either way.
 *
 * <p>{@code switchboard.enabled=false} switches all of it off (no registration, no bean).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "jakarta.websocket.server.ServerContainer")
@ConditionalOnBooleanProperty(name = "switchboard.enabled", matchIfMissing = true)
public class SwitchboardAutoConfiguration {

    /**
     * Starts Switchboard when the embedded server starts the context. Settings are looked up in Spring's
     * environment first, then, as everywhere, in system properties and environment variables under the module's
     * own names ({@code SWITCHBOARD_API_TOKEN}).
     */
    @Bean
    ServletContextInitializer switchboardServletContextInitializer(Environment environment) {
        return servletContext -> SwitchboardInitializer.start(servletContext, environment::getProperty);
    }

    /**
     * The running instance. Its lifecycle is the servlet context's (stopped when the server stops the context),
     * hence no destroy method. A bean that the server creates while it starts, before Switchboard runs (a
     * {@code Filter}, {@code Servlet} or {@code ServletContextInitializer} bean), takes it as {@code @Lazy} or
     * through an {@code ObjectProvider<Switchboard>}.
     */
    @Bean(destroyMethod = "")
    @ConditionalOnMissingBean
    Switchboard switchboard(ServletContext servletContext) {
        try {
            return Switchboard.from(servletContext);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + ". A bean created while the web server starts (a Filter,"
                    + " Servlet or ServletContextInitializer bean) gets Switchboard with @Lazy or an"
                    + " ObjectProvider<Switchboard>", e);
        }
    }
}
