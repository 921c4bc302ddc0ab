package io.switchboard.internal.web;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;

import java.util.List;

/**
 * The admin page's session cookie, {@value #NAME}: {@code HttpOnly} (no script reads it),
 * {@code SameSite=Strict} (no other site's page makes the browser send it: no cross-site request
 * forgery, no cross-site WebSocket), {@code Path} the prefix (the admin page and the socket, nothing
 * else of the application), {@code Secure} when the login came over HTTPS.
 */
final class AdminCookie {
    static final String NAME = "switchboard_admin";
    /** The query parameter by which a WebSocket handshake asks to be the admin page's socket. */
    static final String ADMIN_PARAMETER = "admin";

    private AdminCookie() {
    }

    /** The {@code Set-Cookie} value that opens a session ({@code maxAgeSeconds > 0}) or ends it (0). */
    static String header(String value, String path, long maxAgeSeconds, boolean secure) {
        return NAME + "=" + value + "; Path=" + path + "; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : "");
    }

    /** The cookie's value in a request, or null. */
    static String valueIn(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (NAME.equals(cookie.getName())) {
                    return cookie.getValue();
                }
            }
        }
        return null;
    }

    /** The cookie's value in the {@code Cookie} headers of a WebSocket handshake, or null. */
    static String valueIn(List<String> cookieHeaders) {
        for (String header : cookieHeaders) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && NAME.equals(pair.substring(0, eq).trim())) {
                    return pair.substring(eq + 1).trim();
                }
            }
        }
        return null;
    }
}
