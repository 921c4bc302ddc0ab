package io.switchboard.internal.web;

import io.switchboard.internal.node.SwitchboardNode;
import jakarta.servlet.http.HttpSession;
import jakarta.websocket.Extension;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;

import java.util.List;
import java.util.Map;

/**
 * The endpoint's configurator: keeps the handshake's Origin, Host, user Principal, HTTP session
 * {@code ?token=} and the frame options ({@code ?batch=1}, {@code ?binary=1}) for {@code onOpen}, and gives every connection an endpoint bound to this
 * application's node.
 *
 * <p>The configuration passed to {@code modifyHandshake} is a per-connection copy (WebSocket 2.1),
 * so concurrent handshakes do not see each other's values.
 *
 * <p><b>No extensions.</b> Every browser offers {@code permessage-deflate}, which Tomcat accepts by
 * default: each connection then keeps its own zlib deflater and inflater (measured with 4,000 idle
 * connections: 56 KiB of heap and 215 KiB of RSS per connection with them, 18 and 28 without) and
 * compresses every frame again for every subscriber, undoing the node's encode-once. The frames here are small JSON
 * texts, so none is negotiated: an extension costs this endpoint far more than it saves.
 */
final class HandshakeCapture extends ServerEndpointConfig.Configurator {
    private final SwitchboardNode node;
    private final Identities identities;
    private final LoginSessions logins;

    HandshakeCapture(SwitchboardNode node, Identities identities, LoginSessions logins) {
        this.node = node;
        this.identities = identities;
        this.logins = logins;
    }

    @Override
    public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
        List<String> tokens = request.getParameterMap().get("token");
        config.getUserProperties().put(HandshakeInfo.KEY, new HandshakeInfo(
                header(request.getHeaders(), "Origin"),
                header(request.getHeaders(), "Host"),
                request.getUserPrincipal(),
                tokens == null || tokens.isEmpty() ? null : tokens.get(0),
                request.getHttpSession() instanceof HttpSession session ? session : null,
                request.getParameterMap().containsKey(AdminCookie.ADMIN_PARAMETER),
                AdminCookie.valueIn(headers(request.getHeaders(), "Cookie")),
                FrameOptions.orPlain(request.getParameterMap()::get)));
    }

    @Override
    public List<Extension> getNegotiatedExtensions(List<Extension> installed, List<Extension> requested) {
        return List.of();
    }

    @Override
    public boolean checkOrigin(String originHeaderValue) {
        // Decided with the Host header in HandshakeGuard (before the upgrade) and again in onOpen.
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getEndpointInstance(Class<T> endpointClass) {
        return (T) new SwitchboardEndpoint(node, identities, logins);
    }

    private static List<String> headers(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
            if (name.equalsIgnoreCase(entry.getKey())) {
                return entry.getValue();
            }
        }
        return List.of();
    }

    private static String header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
            if (name.equalsIgnoreCase(entry.getKey()) && !entry.getValue().isEmpty()) {
                return entry.getValue().get(0);
            }
        }
        return null;
    }
}
