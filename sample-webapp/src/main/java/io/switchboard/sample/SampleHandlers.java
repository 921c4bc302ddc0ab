package io.switchboard.sample;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.ClientMessage;
import io.switchboard.api.MessageRefused;
import io.switchboard.api.Switchboard;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The sample's answers to what the page (or a tool) {@code send}s, registered when the application
 * starts ({@link Switchboard#onMessage}); each runs on the node that holds the sender's socket.
 * <ul>
 *   <li>{@code echo}: replies with the data it was sent (SPEC v1.1, for tools);</li>
 *   <li>{@code whoami}: replies {@code {"user","node","session"}} (SPEC v1.1, for tools);</li>
 *   <li>{@code chat}: {@code {"text", "ref"?}}: publishes event {@code message}
 *       {@code {"text","user","node","ref"}} on channel {@code chat.lobby} through the Java API and
 *       replies {@code {"offset"}} once the bus has it: the page's acknowledged chat message.
 *       {@code bad_request} for a missing, blank or too long text, {@code unavailable} when the
 *       bus did not take the message;</li>
 *   <li>test aids, for the integration tests and to try the error answers from the console:
 *       {@code fail} throws an exception whose message holds "internals" (the client gets
 *       {@code internal} without them), {@code slow} waits {@code data.millis} (at most a minute,
 *       default 30 s) before it replies, so that a short {@code switchboard.handler-timeout}
 *       answers {@code unavailable} first.</li>
 * </ul>
 */
@WebListener
public final class SampleHandlers implements ServletContextListener {
    static final String CHAT_CHANNEL = "chat.lobby";
    static final int MAX_CHAT_LENGTH = 500;
    private static final Pattern REF = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final long MAX_SLOW_MILLIS = 60_000;

    private final List<Switchboard.Registration> registrations = new ArrayList<>();

    @Override
    public void contextInitialized(ServletContextEvent event) {
        Switchboard switchboard;
        try {
            switchboard = Switchboard.from(event.getServletContext());
        } catch (IllegalStateException off) { // switched off in this application: nothing to answer
            event.getServletContext().log("No message handlers: " + off.getMessage());
            return;
        }
        registrations.add(switchboard.onMessage("echo", message -> CompletableFuture.completedFuture(message.data())));
        registrations.add(switchboard.onMessage("whoami", message -> CompletableFuture.completedFuture(whoami(message))));
        registrations.add(switchboard.onMessage("chat", message -> chat(switchboard, message)));
        registrations.add(switchboard.onMessage("fail", message -> {
            throw new IllegalStateException("a failure on purpose, with internals: jdbc:postgresql://db.internal/orders");
        }));
        registrations.add(switchboard.onMessage("slow", SampleHandlers::slow));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        registrations.forEach(Switchboard.Registration::close);
        registrations.clear();
    }

    private static Map<String, Object> whoami(ClientMessage message) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("user", message.user().orElse(null));
        reply.put("node", message.node());
        reply.put("session", message.session());
        return reply;
    }

    private static CompletionStage<Map<String, Object>> chat(Switchboard switchboard, ClientMessage message) {
        JsonNode text = message.data().path("text");
        if (!text.isTextual() || text.asText().isBlank()) {
            throw new MessageRefused("bad_request", "a chat message is {\"text\": \"...\"} with a text that is not blank");
        }
        String value = text.asText().strip();
        int length = value.codePointCount(0, value.length());
        if (length > MAX_CHAT_LENGTH) {
            throw new MessageRefused("bad_request", "a chat message has at most " + MAX_CHAT_LENGTH
                    + " characters, this one " + length);
        }
        JsonNode ref = message.data().path("ref");
        if (!ref.isMissingNode() && !ref.isNull() && !(ref.isTextual() && REF.matcher(ref.asText()).matches())) {
            throw new MessageRefused("bad_request", "'ref' is 1 to 64 letters, digits, _ or -");
        }
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("text", value);
        event.put("user", message.user().orElse(null));
        event.put("node", message.node());
        event.put("ref", ref.isTextual() ? ref.asText() : null);
        return switchboard.publish(CHAT_CHANNEL, "message", event).handle((offset, failure) -> {
            if (failure != null) {
                throw new MessageRefused("unavailable", "the message was not published; try again");
            }
            return Map.of("offset", offset);
        });
    }

    /** Blocks its handler thread on purpose; Switchboard interrupts it at the handler timeout. */
    private static CompletionStage<Map<String, Object>> slow(ClientMessage message) {
        long millis = Math.max(0, Math.min(MAX_SLOW_MILLIS, message.data().path("millis").asLong(30_000)));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e); // the client was answered unavailable already
        }
        return CompletableFuture.completedFuture(Map.of("slept", millis));
    }
}
