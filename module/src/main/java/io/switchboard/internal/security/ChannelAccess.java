package io.switchboard.internal.security;

import io.switchboard.api.ChannelAuthorizer;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.protocol.ChannelNames;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Refusal;

import java.util.Objects;

/**
 * Who may use which {@code private-*} and {@code presence-*} channel: the application's
 * {@link ChannelAuthorizer} (replaceable at any time, {@link DefaultChannelAuthorizer} until then),
 * asked the same way for a subscribe and a publish, from any door.
 *
 * <p>Thread-safe: the authorizer is read once per check from a volatile field.
 */
public final class ChannelAccess {
    private final LogLimiter warnings;
    private volatile ChannelAuthorizer authorizer = new DefaultChannelAuthorizer();

    public ChannelAccess(LogLimiter warnings) {
        this.warnings = warnings;
    }

    public void authorizeWith(ChannelAuthorizer authorizer) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
    }

    /**
     * Passes if {@code user} (null when anonymous) may use {@code channel}.
     *
     * @throws Refusal {@code forbidden} if not; {@code internal} if the application's authorizer
     *                 failed (its caller gets an answer, and the message holds no internals)
     */
    public void check(String user, String channel) {
        if (!ChannelNames.isPrivate(channel)) {
            return;
        }
        if (user == null) {
            throw new Refusal(ErrorCode.FORBIDDEN, channel + " needs an identified user");
        }
        boolean allowed;
        try {
            allowed = authorizer.mayAccess(user, channel);
        } catch (RuntimeException e) {
            warnings.warn("authorizer-failed", "The channel authorizer failed for {}: {}", channel, e.toString());
            throw new Refusal(ErrorCode.INTERNAL, "could not check access to " + channel);
        }
        if (!allowed) {
            throw new Refusal(ErrorCode.FORBIDDEN, "user may not access " + channel);
        }
    }
}
