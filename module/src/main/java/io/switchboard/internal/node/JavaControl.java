package io.switchboard.internal.node;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.NoSuchSessionException;
import io.switchboard.api.PublishException;
import io.switchboard.api.SessionInfo;
import io.switchboard.api.Switchboard;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Server-side control as the Java API offers it ({@link Switchboard.UserTarget},
 * {@link Switchboard.SessionTarget}): {@link ClusterControl}'s outcomes mapped to the API's types.
 * What the caller passed wrong is an {@link IllegalArgumentException}, thrown at once; a session
 * no node holds fails the stage with {@link NoSuchSessionException}; a call the bus could not
 * carry fails it with {@link IllegalStateException} (a session event with
 * {@link PublishException}: it was delivered nowhere).
 */
final class JavaControl {
    private static final Logger log = LoggerFactory.getLogger(JavaControl.class);

    private final ClusterControl control;

    JavaControl(ClusterControl control) {
        this.control = control;
    }

    CompletionStage<Void> subscribe(String user, String channel, String since) {
        return Refusal.asIllegalArgument(() -> control.subscribe(user, channel, since)).handle((outcome, error) -> {
            failIfUnavailable(error);
            // The sessions that refused keep what they had; the caller's call is done all the same.
            outcome.refused().forEach(refused -> log.info("Server-side subscribe of {} to {}: {} on {} refused ({}): {}",
                    user, channel, refused.session() == null ? "node" : "session " + refused.session(),
                    refused.node(), refused.code(), refused.message()));
            return null;
        });
    }

    CompletionStage<Void> unsubscribe(String user, String channel) {
        return Refusal.asIllegalArgument(() -> control.unsubscribe(user, channel)).handle((outcome, error) -> {
            failIfUnavailable(error);
            return null;
        });
    }

    CompletionStage<Integer> disconnect(String user, String reason) {
        return Refusal.asIllegalArgument(() -> control.disconnect(user, reason)).handle((outcome, error) -> {
            failIfUnavailable(error);
            return outcome.sessions();
        });
    }

    CompletionStage<List<SessionInfo>> sessions(String user) {
        return Refusal.asIllegalArgument(() -> control.sessions(user)).handle((sessions, error) -> {
            failIfUnavailable(error);
            return sessions;
        });
    }

    /** The session {@code sessionId}, wherever it is; checked only when something is sent to it. */
    Switchboard.SessionTarget session(String sessionId) {
        return (event, data) -> {
            JsonNode json = Json.tree(data);
            return Refusal.asIllegalArgument(() -> control.publishToSession(sessionId, event, json)).handle((done, error) -> {
                Throwable cause = cause(error);
                if (cause instanceof Refusal refusal && refusal.code() == ErrorCode.NOT_FOUND) {
                    throw new NoSuchSessionException(refusal.getMessage());
                }
                if (cause != null) {
                    throw new PublishException("not delivered to session " + sessionId + ": " + cause.getMessage(), cause);
                }
                return null;
            });
        };
    }

    private static void failIfUnavailable(Throwable error) {
        Throwable cause = cause(error);
        if (cause != null) {
            throw new IllegalStateException("server-side control failed: " + cause.getMessage(), cause);
        }
    }

    private static Throwable cause(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
