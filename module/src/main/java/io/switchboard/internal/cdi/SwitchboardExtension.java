package io.switchboard.internal.cdi;

import io.switchboard.api.Switchboard;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessBean;
import jakarta.servlet.ServletContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the web application's running {@link Switchboard} injectable ({@code @Inject Switchboard}) in any CDI
 * container, with nothing to configure: the container finds this extension through
 * {@code META-INF/services/jakarta.enterprise.inject.spi.Extension} in the jar. Only a CDI container ever loads
 * this package, so a WAR without CDI (a plain Tomcat) is not affected by it.
 *
 * <p>The bean is application scoped: what is injected is the container's client proxy, which looks the instance
 * up in the {@link ServletContext} ({@link Switchboard#from}) on its first call. It can therefore be injected
 * anywhere, and used from the application's start on ({@code @Observes @Initialized(ApplicationScoped.class)}):
 * {@link ApplicationStart} hands over the servlet context at that event, before any observer of the
 * application's, since the container's own {@code ServletContext} bean works only inside a request (Weld). A
 * call while Switchboard is not running (switched off by {@code switchboard.enabled=false}, or failed to start)
 * throws the {@link IllegalStateException} of {@link Switchboard#from}, and a later call tries again.
 *
 * <p>An application that declares its own {@code @Default} bean of type {@code Switchboard} (a producer written
 * before this extension existed) keeps it, and the extension adds none: injection is never ambiguous.
 *
 * <p>Threading: the container calls the discovery observers one after another on its bootstrap thread, and
 * {@link #applicationStarted} is called on the thread that starts the web application; the bean is created on
 * whichever thread calls it first.
 */
// Not final: the container injects the extension into ApplicationStart through a client proxy (a subclass).
public class SwitchboardExtension implements Extension {
    private static final Logger log = LoggerFactory.getLogger(SwitchboardExtension.class);

    private Bean<?> applicationBean; // only the container's bootstrap thread
    /** The web application's context, from the start of its application scope; read by any thread. */
    private volatile ServletContext servletContext;

    void noticeApplicationBean(@Observes ProcessBean<?> event) {
        Bean<?> bean = event.getBean();
        if (bean.getTypes().contains(Switchboard.class)
                && bean.getQualifiers().stream().anyMatch(qualifier -> qualifier.annotationType() == Default.class)) {
            applicationBean = bean;
        }
    }

    void addSwitchboardBean(@Observes AfterBeanDiscovery discovery) {
        if (applicationBean != null) {
            log.info("The application declares its own Switchboard bean ({}): Switchboard adds none", applicationBean);
            return;
        }
        discovery.addBean()
                .beanClass(SwitchboardExtension.class)
                .types(Switchboard.class, Object.class)
                .scope(ApplicationScoped.class)
                .produceWith(this::running);
    }

    /** From {@link ApplicationStart}: the web application's context, at the start of its application scope. */
    public void applicationStarted(ServletContext started) {
        servletContext = started;
    }

    private Switchboard running(Instance<Object> beans) {
        ServletContext known = servletContext;
        if (known != null) {
            return Switchboard.from(known);
        }
        // Used before the application scope started: the container's ServletContext bean may serve (in a request).
        Instance<ServletContext> bean = beans.select(ServletContext.class);
        if (!bean.isResolvable()) {
            throw new IllegalStateException("no servlet context known to CDI yet: @Inject Switchboard works in a web"
                    + " application from the start of its application scope on; elsewhere use Switchboard.from(servletContext)");
        }
        return Switchboard.from(bean.get());
    }
}
