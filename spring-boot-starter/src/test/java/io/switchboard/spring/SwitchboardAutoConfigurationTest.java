package io.switchboard.spring;

import io.switchboard.api.Switchboard;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.context.AnnotationConfigServletWebApplicationContext;
import org.springframework.mock.web.MockServletContext;

import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which beans the auto-configuration contributes, in contexts without a web server; the starter in a real Spring
 * Boot application with embedded Tomcat is tested by {@code it-tests}' {@code SpringBootAppIT}.
 */
class SwitchboardAutoConfigurationTest {

    private static final AutoConfigurations AUTO_CONFIGURATION = AutoConfigurations.of(SwitchboardAutoConfiguration.class);

    @Test
    void switchboardBeanIsTheInstanceRunningInTheServletContext() {
        Switchboard running = fake("running");
        MockServletContext servletContext = new MockServletContext();
        servletContext.setAttribute(Switchboard.CONTEXT_ATTRIBUTE, running);
        webApplication(servletContext).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Switchboard.class)).isSameAs(running);
            assertThat(context.getBeansOfType(ServletContextInitializer.class)).containsKey("switchboardServletContextInitializer");
        });
    }

    @Test
    void switchboardBeanCreatedBeforeSwitchboardRunsFailsSayingHowToInjectIt() {
        webApplication(new MockServletContext()).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("Switchboard is not running")
                    .hasStackTraceContaining("@Lazy or an ObjectProvider<Switchboard>");
        });
    }

    @Test
    void enabledFalseContributesNothing() {
        webApplication(new MockServletContext()).withPropertyValues("switchboard.enabled=false").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(Switchboard.class);
            assertThat(context).doesNotHaveBean("switchboardServletContextInitializer");
        });
    }

    @Test
    void anApplicationsOwnSwitchboardBeanIsKept() {
        Switchboard own = fake("own");
        webApplication(new MockServletContext()).withBean(Switchboard.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Switchboard.class)).isSameAs(own);
        });
    }

    @Test
    void anApplicationThatIsNoServletWebApplicationGetsNothing() {
        new ApplicationContextRunner().withConfiguration(AUTO_CONFIGURATION).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(Switchboard.class);
            assertThat(context).doesNotHaveBean("switchboardServletContextInitializer");
        });
    }

    private static WebApplicationContextRunner webApplication(MockServletContext servletContext) {
        return new WebApplicationContextRunner(() -> {
            AnnotationConfigServletWebApplicationContext context = new AnnotationConfigServletWebApplicationContext();
            context.setServletContext(servletContext);
            return context;
        }).withConfiguration(AUTO_CONFIGURATION);
    }

    /** A Switchboard that only tells its node id. */
    private static Switchboard fake(String nodeId) {
        return (Switchboard) Proxy.newProxyInstance(Switchboard.class.getClassLoader(), new Class<?>[]{Switchboard.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "nodeId", "toString" -> nodeId;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
