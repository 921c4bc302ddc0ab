package io.switchboard.demo;

import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.LifecycleEvent;
import org.apache.catalina.LifecycleListener;
import org.apache.catalina.Wrapper;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;

/**
 * What a standalone Tomcat's conf/web.xml gives every application, minus JSP: the default servlet for static
 * files, the usual MIME types and the index.html welcome file.
 *
 * <p>Used instead of {@link Tomcat#initWebappDefaults(Context)}, which also registers Jasper's JSP servlet by
 * class name; without tomcat-embed-jasper on the class path that fails to load at every start. The sample has
 * no JSP, so the demo jar carries no JSP engine.
 */
final class WebappDefaults implements LifecycleListener {

    @Override
    public void lifecycleEvent(LifecycleEvent event) {
        if (!Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
            return;
        }
        Context context = (Context) event.getLifecycle();
        Wrapper defaultServlet = Tomcat.addServlet(context, "default", new DefaultServlet());
        defaultServlet.addInitParameter("listings", "false");
        defaultServlet.setLoadOnStartup(1);
        // The application's web.xml may declare its own "default" servlet and win, as with conf/web.xml.
        defaultServlet.setOverridable(true);
        context.addServletMapping("/", "default");
        Tomcat.addDefaultMimeTypeMappings(context);
        context.addWelcomeFile("index.html");
        if (context instanceof StandardContext standard) {
            // As with conf/web.xml: welcome files listed in the application's web.xml replace this default.
            standard.setReplaceWelcomeFiles(true);
        }
        context.setSessionTimeout(30);
    }
}
