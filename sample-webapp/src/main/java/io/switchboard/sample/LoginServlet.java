package io.switchboard.sample;

import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.HashMap;
import java.util.Map;

/**
 * A container login for the demo page, so that a WebSocket opened after it carries the user
 * ({@code getUserPrincipal()} at the handshake) and is closed with 4401 when the login ends:
 * <ul>
 *   <li>{@code POST /login} (form fields {@code user}, {@code password}): {@link HttpServletRequest#login}
 *       against the container's realm; {@code 200 {"user"}}, {@code 401} for wrong credentials or a
 *       container with no realm for this application (the demo worker has one).</li>
 *   <li>{@code POST /logout}: invalidates the HTTP session; {@code 200 {"user":null}}.</li>
 *   <li>{@code GET /me}: {@code 200 {"user"}}, {@code null} when nobody is logged in.</li>
 * </ul>
 * Both POSTs refuse cross-site requests ({@link CrossSite}): a foreign page must not log a visitor
 * in as someone else, or out.
 */
@WebServlet(urlPatterns = {"/login", "/logout", "/me"})
public final class LoginServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/me".equals(request.getServletPath())) {
            response.setHeader("Allow", "POST");
            TriggerServlet.writeJson(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED,
                    TriggerServlet.error("method_not_allowed", "use POST"));
            return;
        }
        TriggerServlet.writeJson(response, HttpServletResponse.SC_OK, user(request.getUserPrincipal()));
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (CrossSite.isCrossSite(request)) {
            TriggerServlet.writeJson(response, HttpServletResponse.SC_FORBIDDEN,
                    TriggerServlet.error("forbidden", "cross-site request refused"));
            return;
        }
        switch (request.getServletPath()) {
            case "/login" -> login(request, response);
            case "/logout" -> {
                HttpSession session = request.getSession(false);
                if (session != null) {
                    session.invalidate(); // ends the login: its sockets close with 4401
                }
                TriggerServlet.writeJson(response, HttpServletResponse.SC_OK, user(null));
            }
            default -> TriggerServlet.writeJson(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED,
                    TriggerServlet.error("method_not_allowed", "use GET"));
        }
    }

    private static void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getCharacterEncoding() == null) {
            request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        }
        String user = request.getParameter("user");
        String password = request.getParameter("password");
        if (user == null || password == null) {
            TriggerServlet.writeJson(response, HttpServletResponse.SC_BAD_REQUEST,
                    TriggerServlet.error("bad_request", "form fields 'user' and 'password' are required"));
            return;
        }
        try {
            // A new login replaces the current one: its session, and with it its sockets, end.
            if (request.getUserPrincipal() != null) {
                request.logout();
            }
            HttpSession previous = request.getSession(false);
            if (previous != null) {
                previous.invalidate();
            }
            request.getSession(true); // so that the container keeps the login in it
            request.login(user, password);
        } catch (ServletException e) {
            TriggerServlet.writeJson(response, HttpServletResponse.SC_UNAUTHORIZED, TriggerServlet.error("unauthorized",
                    "login refused: wrong user name or password, or no login configured for the sample in this container"));
            return;
        }
        TriggerServlet.writeJson(response, HttpServletResponse.SC_OK, user(request.getUserPrincipal()));
    }

    private static Map<String, Object> user(Principal principal) {
        Map<String, Object> body = new HashMap<>();
        body.put("user", principal == null ? null : principal.getName());
        return body;
    }
}
