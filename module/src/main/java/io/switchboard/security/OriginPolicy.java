package io.switchboard.security;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which browser Origins may open a WebSocket: the configured list, or by default only pages
 * served by the same host the handshake was sent to. This is what stops cross-site WebSocket
 * hijacking: a page on another site cannot ride on the user's cookies.
 *
 * <p>A handshake without an Origin header does not come from a browser page (browsers always
 * send one) and is allowed: such clients carry no ambient credentials to hijack.
 */
public final class OriginPolicy {
    private final List<String> allowed;

    public OriginPolicy(List<String> allowedOrigins) {
        this.allowed = allowedOrigins.stream().map(OriginPolicy::normalize).toList();
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
        if (host == null) {
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

    private static int defaultPort(String scheme) {
        return "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    private static String normalize(String origin) {
        String lower = origin.trim().toLowerCase(Locale.ROOT);
        return lower.endsWith("/") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
