package io.switchboard.testkit.sse;

import io.switchboard.testkit.protocol.Connector;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of one SSE connection to a Switchboard node, then {@link #connect()}: from
 * {@link SseClient#to(URI)}. The Origin and extra headers go with the stream's {@code GET} and with every
 * POST. Not thread-safe: configured and used by one test thread.
 */
public final class SseConnector extends Connector<SseConnector> {

    private final List<URI> postTargets = new ArrayList<>();

    SseConnector(URI httpBase) {
        super(httpBase);
    }

    @Override
    protected SseConnector self() {
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
    @Override
    public SseClient connect() throws IOException {
        return SseClient.open(settings(), postTargets);
    }
}
