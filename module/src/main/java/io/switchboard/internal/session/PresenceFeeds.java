package io.switchboard.internal.session;

import io.switchboard.internal.core.LocalTopics;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The member views ({@link PresenceSubscription}) of one connection's {@code presence-*}
 * subscriptions, each tied to the channel subscription it follows: it starts once that one is live
 * and ends with it, so a re-subscribe (which replaces the channel subscription) gets a fresh view and
 * a fresh snapshot.
 *
 * <p>Thread-safe: opened on the connection's thread, closed from whichever thread drops the
 * subscription. The map is made at the first presence subscription: most connections have none.
 */
final class PresenceFeeds {
    private final ClientSession session;
    private final LocalTopics topics;
    private final int maxHeldBack;
    private volatile Map<ChannelSubscription, PresenceSubscription> feeds; // by identity; null until the first open

    PresenceFeeds(ClientSession session, LocalTopics topics, int maxHeldBack) {
        this.session = session;
        this.topics = topics;
        this.maxHeldBack = maxHeldBack;
    }

    /**
     * Opens the member view of {@code subscription}'s presence channel; it starts right after the
     * channel's {@code subscribed} frame.
     *
     * @param ownJoin completes once this node wrote the subscriber's join
     */
    void open(String channel, ChannelSubscription subscription, CompletionStage<Void> ownJoin) {
        PresenceSubscription feed = new PresenceSubscription(channel, session, topics, ownJoin, maxHeldBack);
        Map<ChannelSubscription, PresenceSubscription> open = feeds;
        if (open == null) {
            synchronized (this) {
                if (feeds == null) {
                    feeds = new ConcurrentHashMap<>();
                }
                open = feeds;
            }
        }
        open.put(subscription, feed);
        subscription.afterLive(feed::start);
    }

    /** Ends the member view of {@code subscription}, if it has one. */
    void close(ChannelSubscription subscription) {
        Map<ChannelSubscription, PresenceSubscription> open = feeds;
        PresenceSubscription feed = open == null ? null : open.remove(subscription);
        if (feed != null) {
            feed.cancel();
        }
    }
}
