package io.switchboard.internal.web;

import io.switchboard.internal.security.AdminSessions;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * The admin page at {@code {prefix}/admin/}: the cluster's nodes, rates, busiest channels and
 * slow-consumer closes, live over the page's own Switchboard socket ({@code {prefix}/ws?admin},
 * the reserved channel {@code @admin}).
 *
 * <p><b>Behind the API token, never in a URL.</b> {@code GET admin/} answers the login form until
 * the browser holds a session cookie ({@link AdminCookie}); {@code POST admin/login} with the API
 * token in the form's body opens one ({@link AdminSessions}: signed, valid on every node, for
 * {@link AdminSessions#LIFETIME}); {@code POST admin/logout} ends it in the browser. Both posts
 * refuse other sites' pages ({@link CrossSiteRequests}); the cookie is {@code SameSite=Strict} and
 * {@code HttpOnly}. Every answer forbids framing and caching, and the pages allow scripts, styles
 * and connections from this server only (the page writes every value with {@code textContent}).
 *
 * <p>The static files are class-path resources of the module, served like {@link ClientScriptServlet}
 * serves the client: with the prefix, only when Switchboard runs.
 */
final class AdminServlet extends HttpServlet {
    static final String RESOURCES = "io/switchboard/internal/web/admin/";
    private static final String ERROR_MARK = "<p id=\"login-error\" class=\"result failed\" role=\"alert\" hidden></p>";
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html", "login.html", "text/html", "admin.css", "text/css", "admin.js", "text/javascript");

    private final transient Optional<AdminSessions> sessions;
    private final Map<String, byte[]> files;
    private final Map<String, String> etags;

    /** @param sessions the admin sessions; empty when no API token is configured (the page is then disabled) */
    AdminServlet(Optional<AdminSessions> sessions) {
        this.sessions = sessions;
        this.files = new java.util.HashMap<>();
        this.etags = new java.util.HashMap<>();
        for (String name : TYPES.keySet()) {
            byte[] content = load(name);
            files.put(name, content);
            etags.put(name, etag(content));
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        secure(request, response);
        String path = request.getPathInfo();
        if (path == null) {
            response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
            response.setHeader("Location", request.getRequestURI() + "/");
            return;
        }
        if (sessions.isEmpty()) {
            text(response, 403, "The admin page is disabled: no API token is configured (switchboard.api-token).");
            return;
        }
        switch (path) {
            case "/" -> {
                if (allow(request, response, "GET")) {
                    page(request, response);
                }
            }
            case "/login" -> {
                if (allow(request, response, "POST")) {
                    login(request, response);
                }
            }
            case "/logout" -> {
                if (allow(request, response, "POST")) {
                    logout(request, response);
                }
            }
            case "/session" -> {
                if (allow(request, response, "GET")) {
                    response.setStatus(loggedIn(request) ? 204 : 401);
                }
            }
            case "/admin.css", "/admin.js" -> {
                if (allow(request, response, "GET")) {
                    file(request, response, path.substring(1));
                }
            }
            default -> text(response, 404, "Not found.");
        }
    }

    private void page(HttpServletRequest request, HttpServletResponse response) throws IOException {
        write(response, 200, loggedIn(request) ? "index.html" : "login.html", files.get(loggedIn(request) ? "index.html" : "login.html"));
    }

    private void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (CrossSiteRequests.isCrossSite(request)) {
            text(response, 403, "Cross-site request refused: log in from this server's own admin page.");
            return;
        }
        if (request.getCharacterEncoding() == null) {
            request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        }
        if (!sessions.get().isApiToken(request.getParameter("token"))) {
            String page = new String(files.get("login.html"), StandardCharsets.UTF_8).replace(ERROR_MARK,
                    ERROR_MARK.replace(" hidden>", ">").replace("</p>", "That is not the API token.</p>"));
            write(response, 401, "login.html", page.getBytes(StandardCharsets.UTF_8));
            return;
        }
        response.addHeader("Set-Cookie", AdminCookie.header(sessions.get().open(), cookiePath(request),
                AdminSessions.LIFETIME.toSeconds(), request.isSecure()));
        redirectToPage(request, response);
    }

    private void logout(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (CrossSiteRequests.isCrossSite(request)) {
            text(response, 403, "Cross-site request refused.");
            return;
        }
        response.addHeader("Set-Cookie", AdminCookie.header("", cookiePath(request), 0, request.isSecure()));
        redirectToPage(request, response);
    }

    /** 303 to the page: a reload does not post the form again. */
    private static void redirectToPage(HttpServletRequest request, HttpServletResponse response) {
        response.setStatus(HttpServletResponse.SC_SEE_OTHER);
        response.setHeader("Location", request.getContextPath() + request.getServletPath() + "/");
    }

    private boolean loggedIn(HttpServletRequest request) {
        return sessions.get().expiry(AdminCookie.valueIn(request)).isPresent();
    }

    /** The prefix under the context path: the admin page and the socket get the cookie, the application does not. */
    private static String cookiePath(HttpServletRequest request) {
        String servletPath = request.getServletPath(); // {prefix}/admin
        return request.getContextPath() + servletPath.substring(0, servletPath.lastIndexOf('/'));
    }

    private void file(HttpServletRequest request, HttpServletResponse response, String name) throws IOException {
        String etag = etags.get(name);
        response.setHeader("ETag", etag);
        response.setHeader("Cache-Control", "no-cache");
        if (etag.equals(request.getHeader("If-None-Match"))) {
            response.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
            return;
        }
        write(response, 200, name, files.get(name));
    }

    private static void write(HttpServletResponse response, int status, String name, byte[] body) throws IOException {
        response.setStatus(status);
        response.setContentType(TYPES.get(name));
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static void text(HttpServletResponse response, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.setContentType("text/plain");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static boolean allow(HttpServletRequest request, HttpServletResponse response, String method) throws IOException {
        if (method.equals(request.getMethod()) || ("GET".equals(method) && "HEAD".equals(request.getMethod()))) {
            return true;
        }
        response.setHeader("Allow", method);
        text(response, 405, request.getMethod() + " is not allowed here; use " + method + ".");
        return false;
    }

    /** Headers of every answer: no framing (clickjacking), no caching of a logged-in page, scripts from this server only. */
    private static void secure(HttpServletRequest request, HttpServletResponse response) {
        String host = request.getHeader("Host") == null ? "" : request.getHeader("Host").replaceAll("[^A-Za-z0-9.:\\[\\]-]", "");
        response.setHeader("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                + "img-src 'self'; connect-src 'self' ws://" + host + " wss://" + host + "; form-action 'self'; "
                + "frame-ancestors 'none'; base-uri 'none'");
        response.setHeader("X-Frame-Options", "DENY");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("Cache-Control", "no-store");
    }

    private static byte[] load(String name) {
        try (InputStream in = AdminServlet.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCES + name + " is missing from the Switchboard jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] content) {
        try {
            return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content), 0, 8) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
