package io.switchboard.testkit.ws;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The WebSocket clients a test opened, all closed together when the test ends. */
public final class WsClients implements AutoCloseable {

    private final List<WsClient> open = new CopyOnWriteArrayList<>();

    /** A client configured by {@code connector}. */
    public WsClient connect(WsConnector connector) {
        try {
            WsClient client = connector.connect();
            open.add(client);
            return client;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes every client (those already closed by the server too). */
    @Override
    public void close() {
        for (WsClient client : open) {
            client.close();
        }
        open.clear();
    }
}
