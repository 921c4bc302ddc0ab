package io.switchboard.internal.session;

import io.switchboard.internal.core.LocalTopics;
import io.switchboard.internal.core.NodeStats;
import io.switchboard.internal.core.Publisher;
import io.switchboard.internal.core.Reader;
import io.switchboard.internal.core.ReplayBudget;
import io.switchboard.internal.logging.LogLimiter;
import io.switchboard.internal.messages.MessageHandlers;
import io.switchboard.internal.security.ChannelAccess;
import io.switchboard.internal.security.ClientTokens;

import java.util.Optional;

/**
 * What a connection uses of its node, made once per node and handed to every connection: the
 * core's doors ({@link Publisher}, {@link Reader}, {@link LocalTopics}) and the node's shared
 * limits, checks and counters. A connection knows nothing else of the node.
 *
 * @param tokens   the verifier of client tokens, for {@code refresh}; empty when none is configured
 * @param warnings client-caused warnings, at most one line per kind per interval
 * @param messages the application's handlers of what clients {@code send}
 */
public record SessionServices(String nodeId, SessionLimits limits, Publisher publisher, Reader reader,
                              LocalTopics topics, ReplayBudget replayBudget, ChannelAccess access,
                              Optional<ClientTokens> tokens, NodeStats stats, LogLimiter warnings,
                              MessageHandlers messages) {
}
