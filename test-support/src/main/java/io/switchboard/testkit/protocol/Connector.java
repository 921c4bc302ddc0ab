package io.switchboard.testkit.protocol;

import java.io.IOException;
import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The options every transport's connection to a Switchboard node has (the endpoint prefix, a client token, the
 * Origin, extra headers), set in a chain and then read by the transport's client when it connects. Each
 * transport's connector adds its own options and opens its kind of client, so that a test can configure and open
 * a connection without knowing the transport. Not thread-safe: configured and used by one test thread.
 *
 * @param <C> the transport's connector, which the setters return so that calls chain
 */
public abstract class Connector<C extends Connector<C>> {

    private final URI httpBase;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private String prefix = "/switchboard";
    private String token;
    private String origin;
    private boolean originSet;
    private String query;

    protected Connector(URI httpBase) {
        this.httpBase = httpBase;
    }

    /** This connector as its own type, for the setters to return. */
    protected abstract C self();

    /** Opens the connection and waits for the {@code welcome} frame; a refused handshake throws. */
    public abstract ProtocolClient connect() throws IOException;

    /** Sends {@code ?token=...} (a client token signed with the node's token secret). */
    public C token(String clientToken) {
        this.token = clientToken;
        return self();
    }

    /**
     * The Origin header of every request the connection makes; null sends none. By default each request
     * carries its own server's {@code http://host:port}, as a page served by the host it talks to (a load
     * balancer's name for all nodes) would.
     */
    public C origin(String value) {
        this.origin = value;
        this.originSet = true;
        return self();
    }

    /** An extra header of every request the connection makes, e.g. the {@code Cookie} of a logged-in HTTP session. */
    public C header(String name, String value) {
        headers.put(name, value);
        return self();
    }

    /** A {@code Cookie} header, e.g. the session of a login ({@code JSESSIONID=...}). */
    public C cookie(String value) {
        return header("Cookie", value);
    }

    /** The endpoint prefix, {@code /switchboard} by default. */
    public C prefix(String value) {
        this.prefix = value;
        return self();
    }

    /** More of the query string, as it is (e.g. {@code admin=1}); sent after {@code token} if both are set. */
    public C query(String rawQuery) {
        this.query = rawQuery;
        return self();
    }

    /** The options as they are now: what the transport's client reads when it connects. */
    public Settings settings() {
        return new Settings(httpBase, prefix, token, Collections.unmodifiableMap(new LinkedHashMap<>(headers)),
                origin, originSet, query);
    }

    /**
     * A connector's options.
     *
     * @param httpBase  the server connected to, {@code http://host:port}
     * @param prefix    the endpoint prefix
     * @param token     the client token to send, or null for an anonymous connection
     * @param headers   the extra headers of every request, in the order they were set
     * @param origin    the Origin set, null for none
     * @param originSet whether an Origin was set; if not, each request carries its own server's
     * @param query     more of the query string, as it is, or null
     */
    public record Settings(URI httpBase, String prefix, String token, Map<String, String> headers, String origin,
                           boolean originSet, String query) {

        /** {@code ?token=...&query}, or "" when there is neither. */
        public String queryString() {
            String parameters = token == null ? query : query == null ? "token=" + token : "token=" + token + "&" + query;
            return parameters == null ? "" : "?" + parameters;
        }

        /** The Origin a request to {@code base} carries, or null for none. */
        public String originFor(URI base) {
            return originSet ? origin : "http://" + base.getHost() + ":" + base.getPort();
        }
    }
}
