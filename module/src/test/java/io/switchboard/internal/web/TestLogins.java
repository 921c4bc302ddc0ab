package io.switchboard.internal.web;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import org.apache.catalina.Context;
import org.apache.catalina.authenticator.NonLoginAuthenticator;
import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.realm.RealmBase;
import org.apache.catalina.startup.Tomcat;

import java.io.IOException;
import java.security.Principal;
import java.util.List;

/**
 * A container login for the embedded server: Tomcat's own authenticator and a realm that knows
 * every user name with one password, so that {@code getUserPrincipal()} is set at a handshake
 * the way a real application's login sets it.
 */
final class TestLogins {
    static final String PASSWORD = "pw";

    private TestLogins() {
    }

    static void install(Context context) {
        context.setRealm(new RealmBase() {
            @Override
            protected String getPassword(String username) {
                return PASSWORD;
            }

            @Override
            protected Principal getPrincipal(String username) {
                return new GenericPrincipal(username, List.of());
            }
        });
        // The authenticator restores the session's principal on every later request, the handshake included.
        context.getPipeline().addValve(new NonLoginAuthenticator());
        Tomcat.addServlet(context, "login", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
                request.getSession(true);
                try {
                    request.login(request.getParameter("user"), PASSWORD);
                } catch (jakarta.servlet.ServletException e) {
                    response.sendError(401);
                    return;
                }
                response.setStatus(204);
            }
        });
        context.addServletMappingDecoded("/login", "login");
        Tomcat.addServlet(context, "logout", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest request, HttpServletResponse response) {
                HttpSession session = request.getSession(false);
                if (session != null) {
                    session.invalidate();
                }
                response.setStatus(204);
            }
        });
        context.addServletMappingDecoded("/logout", "logout");
    }
}
