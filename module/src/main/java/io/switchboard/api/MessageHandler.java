package io.switchboard.api;

import java.util.concurrent.CompletionStage;

/**
 * Application code that answers what clients {@code send} (see {@link Switchboard#onMessage}): the
 * server side of {@code sb.send(event, data)} in the browser.
 *
 * <p>Runs on the node that holds the client's socket, on one of Switchboard's handler threads
 * (never a bus or I/O thread), so it may do blocking work; a slow handler holds only its own
 * caller's reply, up to the handler timeout ({@code switchboard.handler-timeout}).
 */
@FunctionalInterface
public interface MessageHandler {

    /**
     * @return the reply: anything Jackson can serialize (or {@code null}); a stage that fails with
     *         {@link MessageRefused} answers the client with that error code; any other failure
     *         (or exception thrown) answers {@code internal}, with no detail
     */
    CompletionStage<?> onMessage(ClientMessage message);
}
