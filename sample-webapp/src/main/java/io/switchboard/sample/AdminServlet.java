package io.switchboard.sample;

import io.switchboard.api.SessionInfo;
import io.switchboard.api.Switchboard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The sample's small admin view, through the Java API's server-side control, on whichever node
 * serves the request; it reaches the user's sessions on every node:
 * <ul>
 *   <li>{@code GET /admin/sessions?user=alice}: {@code 200 {"user","sessions":[{"session","node",
 *       "transport","channels","since"}]}} ({@code toUser(user).sessions()});</li>
 *   <li>{@code POST /admin/kick} (form field {@code user}): closes every session of the user with
 *       4403, which the browser client does not retry; {@code 200 {"user","closed":n}}
 *       ({@code toUser(user).disconnect(reason)}).</li>
 * </ul>
 * Behind the demo login: {@code 401} without one. Any logged-in demo user may use it, which suits a
 * demo only: a real application checks a role here. The POST refuses cross-site requests
 * ({@link CrossSite}). {@code 400} for a missing or invalid user id, {@code 503} when the cluster
 * could not be asked.
 */
@WebServlet(urlPatterns = {"/admin/sessions", "/admin/kick"}, asyncSupported = true)
public final class AdminServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/admin/sessions".equals(request.getServletPath())) {
            notAllowed(response, "POST");
            return;
        }
        String user = user(request, response);
        if (user == null) {
            return;
        }
        CompletionStage<List<SessionInfo>> sessions;
        try {
            sessions = Switchboard.from(getServletContext()).toUser(user).sessions();
        } catch (IllegalArgumentException e) {
            TriggerServlet.writeJson(response, 400, TriggerServlet.error("bad_request", e.getMessage()));
            return;
        } catch (IllegalStateException e) { // Switchboard not running in this application
            TriggerServlet.writeJson(response, 503, TriggerServlet.error("unavailable", e.getMessage()));
            return;
        }
        answer(request, sessions, list -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("user", user);
            body.put("sessions", list.stream().map(AdminServlet::describe).toList());
            return body;
        });
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/admin/kick".equals(request.getServletPath())) {
            notAllowed(response, "GET");
            return;
        }
        if (CrossSite.isCrossSite(request)) {
            TriggerServlet.writeJson(response, 403, TriggerServlet.error("forbidden", "cross-site request refused"));
            return;
        }
        String user = user(request, response);
        if (user == null) {
            return;
        }
        String admin = request.getUserPrincipal().getName();
        CompletionStage<Integer> closed;
        try {
            closed = Switchboard.from(getServletContext()).toUser(user).disconnect("kicked by " + admin);
        } catch (IllegalArgumentException e) {
            TriggerServlet.writeJson(response, 400, TriggerServlet.error("bad_request", e.getMessage()));
            return;
        } catch (IllegalStateException e) {
            TriggerServlet.writeJson(response, 503, TriggerServlet.error("unavailable", e.getMessage()));
            return;
        }
        answer(request, closed, count -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("user", user);
            body.put("closed", count);
            return body;
        });
    }

    /** The user named by the request, once the caller is logged in; null when answered already. */
    private static String user(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getUserPrincipal() == null) {
            TriggerServlet.writeJson(response, 401, TriggerServlet.error("unauthorized", "log in first (POST /login)"));
            return null;
        }
        if (request.getCharacterEncoding() == null) {
            request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        }
        String user = request.getParameter("user");
        if (user == null || user.isBlank()) {
            TriggerServlet.writeJson(response, 400, TriggerServlet.error("bad_request", "parameter 'user' is required"));
            return null;
        }
        return user.trim();
    }

    private static Map<String, Object> describe(SessionInfo info) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("session", info.session());
        session.put("node", info.node());
        session.put("transport", info.transport());
        session.put("channels", info.channels());
        session.put("since", info.since().toString());
        return session;
    }

    /** Answers 200 with the body once {@code work} completes, 503 if it fails; on a container thread. */
    private <T> void answer(HttpServletRequest request, CompletionStage<T> work, Function<T, Map<String, Object>> body) {
        AsyncContext async = request.startAsync();
        async.setTimeout(TriggerServlet.ASYNC_TIMEOUT_MS);
        work.whenComplete((result, failure) -> async.start(() -> {
            try {
                HttpServletResponse response = (HttpServletResponse) async.getResponse();
                if (failure == null) {
                    TriggerServlet.writeJson(response, 200, body.apply(result));
                } else {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    log("Server-side control failed: " + cause);
                    TriggerServlet.writeJson(response, 503, TriggerServlet.error("unavailable", cause.getMessage()));
                }
            } catch (IOException e) {
                log("Could not answer the admin request (client gone?): " + e);
            } finally {
                async.complete();
            }
        }));
    }

    private static void notAllowed(HttpServletResponse response, String allowed) throws IOException {
        response.setHeader("Allow", allowed);
        TriggerServlet.writeJson(response, 405, TriggerServlet.error("method_not_allowed", "use " + allowed));
    }
}
