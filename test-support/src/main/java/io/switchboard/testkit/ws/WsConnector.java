package io.switchboard.testkit.ws;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options of one WebSocket connection to a Switchboard endpoint, then {@link #connect()}: from
 * {@link WsClient#to(URI)}. Not thread-safe: configured and used by one test thread.
 */
public final class WsConnector {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI httpBase;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String prefix = "/switchboard";
    private String token;
    private String origin;
    private String query;

    WsConnector(URI httpBase) {
        this.httpBase = httpBase;
        this.origin = "http://" + httpBase.getHost() + ":" + httpBase.getPort();
    }

    /** Sends {@code ?token=...} (a client token signed with the node's token secret). */
    public WsConnector token(String clientToken) {
        this.token = clientToken;
        return this;
    }

    /** The Origin header to send; by default the server's own {@code http://host:port}; null sends none. */
    public WsConnector origin(String value) {
        this.origin = value;
        return this;
    }

    /** An extra header of the handshake request, e.g. the {@code Cookie} of a logged-in HTTP session. */
    public WsConnector header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** A {@code Cookie} header, e.g. the session of a login ({@code JSESSIONID=...}). */
    public WsConnector cookie(String value) {
        return header("Cookie", value);
    }

    /** More of the query string, as it is (e.g. {@code admin=1}); sent after {@code token} if both are set. */
    public WsConnector query(String rawQuery) {
        this.query = rawQuery;
        return this;
    }

    /** The endpoint prefix, {@code /switchboard} by default. */
    public WsConnector prefix(String value) {
        this.prefix = value;
        return this;
    }

    /**
     * Opens the connection and waits for the {@code welcome} frame.
     *
     * @throws WebSocketHandshakeException if the server refused the handshake (its status is in the response)
     */
    public WsClient connect() throws IOException {
        String parameters = token == null ? query : query == null ? "token=" + token : "token=" + token + "&" + query;
        URI uri = URI.create("ws://" + httpBase.getHost() + ":" + httpBase.getPort() + prefix + "/ws"
                + (parameters == null ? "" : "?" + parameters));
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (origin != null) {
            builder.header("Origin", origin);
        }
        headers.forEach(builder::header);
        return WsClient.open(uri, builder);
    }
}
