package io.switchboard.internal.security;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which browser Origins may open a WebSocket: the configured list, or by default only pages
 * served by the same host the handshake was sent to, and only when that host is a loopback
 * address or one of the configured public host names.
 *
 * <p>The Origin check stops cross-site WebSocket hijacking: a page on another site cannot ride on
 * the user's cookies. The Host check stops DNS rebinding: a hostile page whose own name was made
 * to resolve to this server (for example a node on the visitor's intranet) is "same host" by the
 * Origin check alone, but its {@code Host} header still carries the hostile name, which is neither
 * loopback nor a name this server was told it is reached by.
 *
 * <p>A handshake without an Origin header does not come from a browser page (browsers always
 * send one) and is allowed: such clients carry no ambient credentials to hijack, and can send any
 * Host they like, so checking theirs would protect nothing.
 */
public final class OriginPolicy {
    /** Compiled once: every handshake is checked (twice: before the upgrade and when the socket opens). */
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");
    private final List<String> allowed;
    private final List<String> publicHosts;

    /**
     * @param allowedOrigins {@code switchboard.allowed-origins}; when not empty the Host is not checked
     *                       (the listed Origins are the application's own pages)
     * @param publicHosts    {@code switchboard.public-hosts}: host names, with or without a port,
     *                       by which browsers reach this server besides loopback
     */
    public OriginPolicy(List<String> allowedOrigins, List<String> publicHosts) {
        this.allowed = allowedOrigins.stream().map(OriginPolicy::normalize).toList();
        this.publicHosts = publicHosts.stream().map(OriginPolicy::normalize).toList();
    }

    /**
     * @param origin the {@code Origin} header, or {@code null}
     * @param host   the {@code Host} header of the handshake, or {@code null}
     */
    public boolean allows(String origin, String host) {
        if (origin == null) {
            return true;
        }
        String normalized = normalize(origin);
        if (!allowed.isEmpty()) {
            return allowed.contains("*") || allowed.contains(normalized);
        }
        if (host == null || !isKnownHost(host)) {
            return false;
        }
        try {
            URI uri = URI.create(normalized);
            String originHost = uri.getHost();
            if (originHost == null) {
                return false;
            }
            String originAuthority = uri.getPort() == -1 ? originHost : originHost + ":" + uri.getPort();
            String requestHost = host.toLowerCase(Locale.ROOT);
            return requestHost.equals(originAuthority)
                    || (uri.getPort() == -1 && requestHost.equals(originHost + ":" + defaultPort(uri.getScheme())));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** What this policy lets in, for the startup log. */
    public String describe() {
        if (!allowed.isEmpty()) {
            return "browser pages from " + (allowed.contains("*") ? "any Origin (allowed-origins=*)" : String.join(", ", allowed));
        }
        return "browser pages from the host they were sent to, when that host is loopback (localhost, 127.0.0.0/8, [::1])"
                + (publicHosts.isEmpty() ? "; no switchboard.public-hosts configured, so browsers on other machines are refused"
                : " or one of " + String.join(", ", publicHosts));
    }

    private boolean isKnownHost(String hostHeader) {
        String authority = normalize(hostHeader);
        String name = hostName(authority);
        return isLoopback(name) || publicHosts.contains(authority) || publicHosts.contains(name);
    }

    /** The Host header without its port; IPv6 literals keep their brackets. */
    private static String hostName(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(0, end + 1);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }

    /** Literal loopback names only: a DNS name that resolves to loopback is exactly what rebinding forges. */
    private static boolean isLoopback(String name) {
        return name.equals("localhost") || name.equals("[::1]") || LOOPBACK_V4.matcher(name).matches();
    }

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    private static String normalize(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
