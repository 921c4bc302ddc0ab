package io.switchboard.internal.web;

import io.switchboard.internal.node.SwitchboardNode;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.session.SessionIds;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The Server-Sent Events door at {@code {prefix}/sse} (SPEC "Protocol v1.1 → SSE transport"), for
 * clients whose network does not let WebSockets through.
 *
 * <p>{@code GET {prefix}/sse} is the handshake: the same Origin rules and identities as the
 * WebSocket's ({@link Identities}), then a {@code text/event-stream} that stays open, in async
 * mode without a timeout (containers end async requests after 30 s by default; the heartbeat's
 * writes keep proxies from ending it as idle). Its frames are the WebSocket's, {@code welcome}
 * first with the session's {@code secret}.
 *
 * <p>{@code POST {prefix}/sse/{session}} with {@code X-Switchboard-Secret} carries one request
 * frame, to any node ({@link SseSessions}). It is answered only once the session has taken the
 * frame, so a client that sends its requests one after the other has them handled in order,
 * whichever nodes they pass through. Answers: 202, 403 (Origin or secret), 404 (no such open
 * session), 413 (over {@code max-frame}; the frame is refused, the session goes on), 400 (not
 * UTF-8), 503 (the node cannot forward now).
 */
final class SseServlet extends HttpServlet {
    static final String SECRET_HEADER = "X-Switchboard-Secret";
    /** Longer than a cluster call's wait, so the forwarding node always answers first. */
    private static final long POST_TIMEOUT_MILLIS = 10_000;

    private final transient SwitchboardNode node;
    private final transient Identities identities;
    private final transient LoginSessions logins;
    private final transient SseSessions sessions;
    private final int maxFrameBytes;

    SseServlet(SwitchboardNode node, Identities identities, LoginSessions logins, SseSessions sessions) {
        this.node = node;
        this.identities = identities;
        this.logins = logins;
        this.sessions = sessions;
        this.maxFrameBytes = node.config().maxFrameBytes();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (sessionOf(request).isPresent()) {
            ApiResponses.error(response, 405, "bad_request", "a session's requests are POSTed; GET " + request.getServletPath() + " opens a stream");
            return;
        }
        Identities.Verdict verdict = identities.decide(request.getHeader("Origin"), request.getHeader("Host"),
                request.getUserPrincipal(), request.getParameter("token"));
        if (verdict instanceof Identities.Verdict.Refused refused) {
            ApiResponses.error(response, refused.httpStatus(), refused.httpStatus() == 403 ? "forbidden" : "unauthorized",
                    refused.reason());
            return;
        }
        Identity identity = ((Identities.Verdict.Accepted) verdict).identity();
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Accel-Buffering", "no"); // nginx: pass each message on as it comes
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        SseStream stream = new SseStream(SessionIds.next(node.config().nodeId()), SseSessions.newSecret(), async,
                response.getOutputStream());
        async.addListener(SseStreamEnd.of(stream));
        response.getOutputStream().setWriteListener(stream);

        Connection connection = node.open(stream, identity);
        sessions.add(stream, connection);
        HttpSession httpSession = request.getUserPrincipal() == null ? null : request.getSession(false);
        // A login identity ends with its HTTP session (logout, timeout): so does this stream.
        LoginSessions.Login login = httpSession == null ? null : logins.track(httpSession, connection);
        stream.ended().whenComplete((ignored, error) -> {
            sessions.remove(stream);
            if (login != null) {
                logins.untrack(login, connection);
            }
            node.closed(connection, stream.closeCode());
        });
        stream.start(); // the session is known here now: its welcome may go out
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Optional<String> session = sessionOf(request);
        if (session.isEmpty()) {
            ApiResponses.error(response, 405, "bad_request", "POST to " + request.getServletPath() + "/{session}");
            return;
        }
        if (!identities.allowsOrigin(request.getHeader("Origin"), request.getHeader("Host"))) {
            ApiResponses.error(response, 403, "forbidden", "Origin not allowed (or Host not a public host of this server)");
            return;
        }
        Optional<String> holder = SessionIds.nodeOf(session.get());
        if (holder.isEmpty()) {
            answer(response, SseSessions.NOT_FOUND);
            return;
        }
        String secret = request.getHeader(SECRET_HEADER);
        if (secret == null) {
            ApiResponses.error(response, 403, "forbidden", "missing " + SECRET_HEADER);
            return;
        }
        Optional<String> frame = readFrame(request, response);
        if (frame.isEmpty()) {
            return;
        }
        if (holder.get().equals(node.config().nodeId())) {
            answer(response, sessions.deliver(session.get(), secret, frame.get()));
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(POST_TIMEOUT_MILLIS);
        sessions.forward(holder.get(), session.get(), secret, frame.get()).thenAccept(status -> {
            try {
                async.start(() -> { // a container thread writes the answer, never the bus's
                    try {
                        answer((HttpServletResponse) async.getResponse(), status);
                    } catch (IOException | IllegalStateException e) {
                        // the client left before the answer: nothing to tell it
                    } finally {
                        async.complete();
                    }
                });
            } catch (IllegalStateException ended) {
                // the client left (or the request timed out) before the answer
            }
        });
    }

    /** The session id of {@code /sse/{session}}; empty for {@code /sse} itself. */
    private static Optional<String> sessionOf(HttpServletRequest request) {
        String path = request.getPathInfo();
        return path == null || path.length() <= 1 ? Optional.empty() : Optional.of(path.substring(1));
    }

    /** The body as text, or empty after answering 413 (over max-frame) or 400 (not UTF-8). */
    private Optional<String> readFrame(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getContentLengthLong() > maxFrameBytes) {
            ApiResponses.error(response, 413, "too_large", "a frame over " + maxFrameBytes + " bytes");
            return Optional.empty();
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(maxFrameBytes + 1);
        }
        if (body.length > maxFrameBytes) {
            ApiResponses.error(response, 413, "too_large", "a frame over " + maxFrameBytes + " bytes");
            return Optional.empty();
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString());
        } catch (CharacterCodingException e) {
            ApiResponses.error(response, 400, "bad_request", "a frame must be UTF-8 text");
            return Optional.empty();
        }
    }

    private static void answer(HttpServletResponse response, int status) throws IOException {
        if (status == SseSessions.ACCEPTED) {
            response.setStatus(status);
            response.setContentLength(0);
            return;
        }
        ApiResponses.json(response, status, problem(status));
    }

    private static com.fasterxml.jackson.databind.JsonNode problem(int status) {
        return switch (status) {
            case SseSessions.FORBIDDEN -> Json.MAPPER.createObjectNode().put("error", "forbidden")
                    .put("message", "wrong session secret");
            case SseSessions.NOT_FOUND -> Json.MAPPER.createObjectNode().put("error", "not_found")
                    .put("message", "no such open session (closed, or its node is gone): open a new stream");
            default -> Json.MAPPER.createObjectNode().put("error", "unavailable")
                    .put("message", "the request could not be handed to its session now; retry");
        };
    }

    /**
     * The container takes the servlet out of service (undeploy, shutdown): every stream gets its
     * 1001 close frame now, as the WebSocket container closes its sessions itself, because the
     * container may end open requests before the node stops.
     */
    @Override
    public void destroy() {
        sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down");
    }
}
