package io.switchboard.sample;

import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a state-changing request was sent by a page of another site: the check every
 * {@code POST} of this sample makes before doing anything, and the one to copy.
 *
 * <p>Why: a browser attaches this site's cookies to a form post that any page on the web makes
 * to it, so without the check any page a visitor opens could publish in the visitor's name
 * (cross-site request forgery), or log them in or out. Browsers say where a request comes from:
 * <ul>
 *   <li>{@code Sec-Fetch-Site} (all current browsers): only {@code same-origin} (this page's own
 *       scripts and forms) and {@code none} (typed or bookmarked by the user) are accepted;
 *       {@code same-site} is refused too, because a sibling subdomain may belong to someone else.</li>
 *   <li>else {@code Origin}, which browsers send with every cross-origin {@code POST}: it must
 *       name this server, as the request's {@code Host} does ({@code Origin: null}, sent from
 *       sandboxed frames and some redirects, is refused).</li>
 *   <li>a request with neither header does not come from a browser (curl, a backend): it carries
 *       no visitor's cookies to abuse and is accepted.</li>
 * </ul>
 */
public final class CrossSite {

    private CrossSite() {
    }

    /** {@code true} when the request must be refused (answer 403). */
    public static boolean isCrossSite(HttpServletRequest request) {
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
            String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
            String defaultPort = "https".equalsIgnoreCase(uri.getScheme()) ? ":443" : ":80";
            String requestHost = host.trim().toLowerCase(Locale.ROOT);
            String originAuthority = authority.toLowerCase(Locale.ROOT);
            return !(requestHost.equals(originAuthority)
                    || (uri.getPort() == -1 && requestHost.equals(originAuthority + defaultPort)));
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
