package io.switchboard.testkit.sse;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of one SSE connection to a Switchboard node, then {@link #connect()}: from
 * {@link SseClient#to(URI)}. Not thread-safe: configured and used by one test thread.
 */
public final class SseConnector {

    final URI httpBase;
    final Map<String, String> headers = new LinkedHashMap<>();
    final List<URI> postTargets = new ArrayList<>();
    String prefix = "/switchboard";
    String token;
    String origin;
    boolean originSet;

    SseConnector(URI httpBase) {
        this.httpBase = httpBase;
    }

    /** Sends {@code ?token=...} (a client token signed with the node's token secret). */
    public SseConnector token(String clientToken) {
        this.token = clientToken;
        return this;
    }

    /**
     * The Origin header of the stream's {@code GET} and of every POST; null sends none. By default each
     * request carries its own server's {@code http://host:port}, as a page served by the host it talks to
     * (a load balancer's name for all nodes) would.
     */
    public SseConnector origin(String value) {
        this.origin = value;
        this.originSet = true;
        return this;
    }

    /** An extra header of every request, e.g. the {@code Cookie} of a logged-in HTTP session. */
    public SseConnector header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    /** A {@code Cookie} header, e.g. the session of a login ({@code JSESSIONID=...}). */
    public SseConnector cookie(String value) {
        return header("Cookie", value);
    }

    /** The endpoint prefix, {@code /switchboard} by default. */
    public SseConnector prefix(String value) {
        this.prefix = value;
        return this;
    }

    /**
     * The servers ({@code http://host:port}) the requests are POSTed to, in turn (round robin), instead of
     * the stream's own: a load balancer without sticky sessions.
     */
    public SseConnector postTo(List<URI> bases) {
        postTargets.clear();
        postTargets.addAll(bases);
        return this;
    }

    /**
     * Opens the stream and waits for the {@code welcome} frame.
     *
     * @throws SseHandshakeException if the server answered the {@code GET} with another status than 200
     */
    public SseClient connect() throws IOException {
        return SseClient.open(this);
    }

    /** The Origin a request to {@code base} carries, or null for none. */
    String originFor(URI base) {
        return originSet ? origin : "http://" + base.getHost() + ":" + base.getPort();
    }
}
