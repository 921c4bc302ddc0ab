package io.switchboard.testkit.ws;

import io.switchboard.testkit.protocol.Connector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;

/**
 * The options of one WebSocket connection to a Switchboard endpoint, then {@link #connect()}: from
 * {@link WsClient#to(URI)}. The Origin and extra headers go with the handshake request. Not thread-safe:
 * configured and used by one test thread.
 */
public final class WsConnector extends Connector<WsConnector> {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WsConnector(URI httpBase) {
        super(httpBase);
    }

    @Override
    protected WsConnector self() {
        return this;
    }

    /**
     * Opens the connection and waits for the {@code welcome} frame.
     *
     * @throws WebSocketHandshakeException if the server refused the handshake (its status is in the response)
     */
    @Override
    public WsClient connect() throws IOException {
        Settings settings = settings();
        URI base = settings.httpBase();
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + settings.prefix() + "/ws"
                + settings.queryString());
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        String origin = settings.originFor(base);
        if (origin != null) {
            builder.header("Origin", origin);
        }
        settings.headers().forEach(builder::header);
        return WsClient.open(uri, builder);
    }
}
