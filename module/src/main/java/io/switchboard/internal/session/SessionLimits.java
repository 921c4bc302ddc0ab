package io.switchboard.internal.session;

import io.switchboard.internal.config.ChannelPatterns;
import io.switchboard.internal.config.SwitchboardConfig;

/** What one connection may hold and do, from the node's configuration (see the README's table). */
public record SessionLimits(long heartbeatMillis, int maxSubscriptions, int subscribeRatePerSecond,
                            int publishRatePerSecond, int sendQueueFrames, int sendQueueBytes, int historySize,
                            long replayBudgetBytes, ChannelPatterns clientPublish, int sendRatePerSecond) {

    public static SessionLimits of(SwitchboardConfig config) {
        return new SessionLimits(config.heartbeat().toMillis(), config.maxSubscriptions(),
                config.subscribeRatePerSecond(), config.publishRatePerSecond(), config.sendQueueFrames(),
                config.sendQueueBytes(), config.historySize(), config.replayBudgetBytes(), config.clientPublish(),
                config.sendRatePerSecond());
    }
}
