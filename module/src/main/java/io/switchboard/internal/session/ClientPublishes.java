package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.protocol.ClientRequest;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Refusal;
import io.switchboard.internal.protocol.Topic;

import java.util.List;

/**
 * A connection's {@code publish} requests: the rules a browser's publish passes (the channel, the
 * node's {@code client-publish} patterns, the channel authorizer, the publish rate) and the answer,
 * {@code published} or an {@code error}. Made at a connection's first publish: most connections
 * never publish, and need not keep a rate limit for it.
 *
 * <p>Called on the connection's thread only (JSR-356 does not call a session's handler
 * concurrently); answers are sent from the bus thread that completed the publish, through the
 * session's queue.
 */
final class ClientPublishes {
    private final SessionServices node;
    private final ClientSession session;
    private final String user;
    private final RateLimiter rate;

    ClientPublishes(SessionServices node, ClientSession session, String user) {
        this.node = node;
        this.session = session;
        this.user = user;
        this.rate = new RateLimiter(node.limits().publishRatePerSecond());
    }

    /** {@code publish}: {@code channel}, {@code event}, {@code data}, {@code id?}. */
    void publish(ClientRequest request) {
        String channel = Publisher.channel(request.requiredString("channel")).name(); // only nodes publish on @admin
        Publisher.Prepared event = node.publisher().prepare(Publisher.Door.BROWSER, List.of(
                new Publisher.Draft(Topic.channel(channel), request.requiredString("event"), request.data())), null);
        if (!node.limits().clientPublish().matches(channel)) {
            throw new Refusal(ErrorCode.FORBIDDEN, "browsers may not publish on " + channel);
        }
        node.access().check(user, channel);
        if (!rate.tryAcquire()) {
            throw new Refusal(ErrorCode.RATE_LIMITED,
                    "at most " + node.limits().publishRatePerSecond() + " publishes per second per connection");
        }
        JsonNode id = request.id();
        node.publisher().publish(event).whenComplete((offsets, error) -> {
            if (error == null) {
                session.send(Frames.published(channel, offsets.get(0).toString(), id));
            } else {
                session.send(Frames.error(ErrorCode.UNAVAILABLE, "not published: the bus is unavailable", id));
            }
        });
    }
}
