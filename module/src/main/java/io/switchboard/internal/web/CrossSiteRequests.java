package io.switchboard.internal.web;

import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a state-changing request (the admin page's login and logout) was sent by a page of
 * another site: a browser attaches this site's cookies to a form any page posts to it. Browsers
 * say where a request comes from: {@code Sec-Fetch-Site} must be {@code same-origin} or
 * {@code none} (typed by the user); without it, an {@code Origin} must name the request's own
 * host; a request with neither is not from a browser, carries no visitor's cookies, and passes.
 * The same rule as the sample's {@code CrossSite}.
 */
final class CrossSiteRequests {
    private CrossSiteRequests() {
    }

    static boolean isCrossSite(HttpServletRequest request) {
        return isCrossSite(request.getHeader("Sec-Fetch-Site"), request.getHeader("Origin"), request.getHeader("Host"));
    }

    static boolean isCrossSite(String secFetchSite, String origin, String host) {
        if (secFetchSite != null) {
            String site = secFetchSite.trim().toLowerCase(Locale.ROOT);
            return !(site.equals("same-origin") || site.equals("none"));
        }
        if (origin == null) {
            return false;
        }
        if (host == null) {
            return true;
        }
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getHost() == null) {
                return true; // "null" and anything else that names no host
            }
            String authority = (uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort()).toLowerCase(Locale.ROOT);
            String defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? ":443" : ":80";
            String requestHost = host.trim().toLowerCase(Locale.ROOT);
            return !(requestHost.equals(authority) || (uri.getPort() == -1 && requestHost.equals(authority + defaultPort)));
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
