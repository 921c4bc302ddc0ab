package io.switchboard.testkit.ws;

import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;

/**
 * A JDK WebSocket listener that hands on whole text messages: the JDK may deliver a large message in
 * several parts, which are joined here before {@link #message} sees the text; the next message is requested
 * after each part.
 *
 * <p>Threading: the JDK calls a listener one message at a time, so {@link #partial} needs no lock.
 */
public abstract class TextMessageListener implements WebSocket.Listener {

    private final StringBuilder partial = new StringBuilder();

    /** One whole text message. */
    protected abstract void message(String text);

    @Override
    public final CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            message(text);
        }
        ws.request(1);
        return null;
    }
}
