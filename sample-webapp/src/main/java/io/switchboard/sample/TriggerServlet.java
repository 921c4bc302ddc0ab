package io.switchboard.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.Switchboard;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code POST /trigger} with form field {@code message}: publishes event {@code message} on channel
 * {@code news} through the Java API, from whichever node the load balancer sent the request to, and
 * answers {@code 200 {"node":"node-2","offset":"E-7"}}. The event reaches every subscriber on every
 * node, which is the point of the demo.
 *
 * <p>Answers {@code 400} for a missing, blank or too long message, {@code 403} for a request sent
 * by a page of another site ({@link CrossSite}), {@code 503} when the event was published nowhere,
 * {@code 405} for any method but POST. All answers are JSON.
 *
 * <p>The request is asynchronous: the container thread is released while the bus confirms the
 * publish, and the answer is written on a container thread ({@link AsyncContext#start}) because
 * publish stages complete on a bus thread that must not do blocking I/O.
 */
@WebServlet(urlPatterns = "/trigger", asyncSupported = true)
public final class TriggerServlet extends HttpServlet {

    static final String CHANNEL = "news";
    static final String EVENT = "message";
    static final int MAX_MESSAGE_LENGTH = 1000;
    /** Longer than the bus's own timeouts: normally the stage fails first, with a precise reason. */
    static final long ASYNC_TIMEOUT_MS = 30_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"POST".equals(request.getMethod())) {
            response.setHeader("Allow", "POST");
            writeJson(response, HttpServletResponse.SC_METHOD_NOT_ALLOWED,
                    error("method_not_allowed", request.getMethod() + " is not supported, use POST"));
            return;
        }
        // Before anything else: a page on any other site can make the visitor's browser post this
        // form, and publishing to every subscriber is exactly what it must not be able to do.
        if (CrossSite.isCrossSite(request)) {
            writeJson(response, HttpServletResponse.SC_FORBIDDEN,
                    error("forbidden", "cross-site request refused: POST trigger only from this site's own pages"));
            return;
        }
        // Form fields are decoded as ISO-8859-1 unless the request names a charset: assume UTF-8.
        if (request.getCharacterEncoding() == null) {
            request.setCharacterEncoding(StandardCharsets.UTF_8.name());
        }
        String message = request.getParameter("message");
        if (message == null || message.isBlank()) {
            writeJson(response, HttpServletResponse.SC_BAD_REQUEST,
                    error("bad_request", "form field 'message' is missing or blank"));
            return;
        }
        int length = message.codePointCount(0, message.length());
        if (length > MAX_MESSAGE_LENGTH) {
            writeJson(response, HttpServletResponse.SC_BAD_REQUEST, error("bad_request",
                    "form field 'message' has " + length + " characters, at most " + MAX_MESSAGE_LENGTH + " are allowed"));
            return;
        }

        String node;
        CompletionStage<String> published;
        try {
            Switchboard switchboard = Switchboard.from(getServletContext());
            node = switchboard.nodeId();
            published = switchboard.publish(CHANNEL, EVENT, Map.of(
                    "message", message,
                    "node", node,
                    "sentAt", System.currentTimeMillis()));
        } catch (IllegalStateException e) { // Switchboard not running in this application
            writeJson(response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, error("unavailable", e.getMessage()));
            return;
        }

        AsyncContext async = request.startAsync();
        async.setTimeout(ASYNC_TIMEOUT_MS);
        // Exactly one of "the stage completed" and "the request timed out" writes the answer.
        TimeoutAnswer timeout = new TimeoutAnswer();
        async.addListener(timeout);
        published.whenComplete((offset, failure) -> {
            if (!timeout.claim()) {
                return;
            }
            async.start(() -> {
                try {
                    HttpServletResponse asyncResponse = (HttpServletResponse) async.getResponse();
                    if (failure == null) {
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("node", node);
                        body.put("offset", offset);
                        writeJson(asyncResponse, HttpServletResponse.SC_OK, body);
                    } else {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        log("Publishing to '" + CHANNEL + "' failed: " + cause);
                        writeJson(asyncResponse, HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                                error("unavailable", "the event was not published: " + cause.getMessage()));
                    }
                } catch (IOException e) {
                    log("Could not answer the trigger request (client gone?): " + e);
                } finally {
                    async.complete();
                }
            });
        });
    }

    /**
     * Answers 503 when the bus neither confirmed nor refused the publish in time. Unlike a failed
     * stage this outcome is unknown, and the message says so.
     *
     * <p>Public with a no-argument constructor because containers such as WildFly treat every
     * {@code AsyncListener} class as a component they may instantiate.
     */
    public static final class TimeoutAnswer implements AsyncListener {
        private final AtomicBoolean answered = new AtomicBoolean();

        /** Whoever claims first (the publish completing, or the timeout) writes the answer. */
        boolean claim() {
            return answered.compareAndSet(false, true);
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            if (!claim()) {
                return;
            }
            writeJson((HttpServletResponse) event.getSuppliedResponse(), HttpServletResponse.SC_SERVICE_UNAVAILABLE,
                    error("unavailable", "the bus did not confirm the publish within "
                            + ASYNC_TIMEOUT_MS + " ms; it may still be delivered"));
            event.getAsyncContext().complete();
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    static Map<String, Object> error(String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return body;
    }

    static void writeJson(HttpServletResponse response, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
