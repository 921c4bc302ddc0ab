package io.switchboard.it.support;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One connection of a {@link ReconnectingClient} to one node, whatever carries it: a WebSocket
 * ({@link WebSocketLink}) or an SSE stream with its POSTs ({@link SseLink}). A link reports to its
 * {@link Events} and is never reused: the client opens a new one for each connection.
 */
interface ClientLink {

    /** What carries a connection. */
    enum Transport {
        WEBSOCKET, SSE;

        /** Starts connecting to {@code node} (of {@code nodes}, the whole cluster); reports to {@code events}. */
        ClientLink open(ServerNode node, List<ServerNode> nodes, Events events) {
            return this == WEBSOCKET ? WebSocketLink.open(node, events) : SseLink.open(node, nodes, events);
        }
    }

    /** What a link reports, in order, from its transport's threads. */
    interface Events {
        /** The connection can carry requests (a WebSocket handshake done; an SSE stream welcomed). */
        void opened(ClientLink link);

        /** A frame arrived (the SSE {@code welcome} right after {@link #opened}). */
        void frame(ClientLink link, JsonNode frame);

        /** The connection ended after it opened: {@code why} is the close code and reason, or the error. */
        void closed(ClientLink link, String why);

        /** The connection could not be opened. */
        void failed(ClientLink link, String why);
    }

    /** Sends one request frame; requests go out one at a time, in the order given. */
    void send(String text);

    /** Drops the connection at once, without telling the server (the client's network is gone). */
    void abort();
}
