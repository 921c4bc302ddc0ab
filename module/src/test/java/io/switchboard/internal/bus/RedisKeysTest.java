package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The names are a stored format (the Lua scripts and deployed data use them): pinned here. */
class RedisKeysTest {

    @Test
    void aChannelIsPublishedOnItsNameTaggedCh() {
        assertThat(RedisKeys.pubSubName("switchboard", Topic.channel("news"))).isEqualTo("switchboard:ch:news");
    }

    @Test
    void aUsersStreamIsPublishedOnTheUserIdTaggedU() {
        assertThat(RedisKeys.pubSubName("switchboard", Topic.user("alice"))).isEqualTo("switchboard:u:alice");
    }

    @Test
    void aPresenceChannelsChangesArePublishedOnItsNameTaggedPr() {
        Topic changes = Topic.presence("presence-room");
        assertThat(RedisKeys.pubSubName("switchboard", changes)).isEqualTo("switchboard:pr:presence-room");
        assertThat(RedisKeys.key("switchboard", changes, "nodes")).isEqualTo("switchboard:{pr:presence-room}:nodes");
        assertThat(ClusterSlots.of(RedisKeys.key("s", changes, "meta")))
                .isEqualTo(ClusterSlots.of(RedisKeys.key("s", changes, "of:node-1")));
    }

    @Test
    void aTopicsKeysShareOneHashTagAndSoOneClusterSlot() {
        Topic news = Topic.channel("news");
        assertThat(RedisKeys.logKeys("switchboard", news)).containsExactly("switchboard:{ch:news}:meta",
                "switchboard:{ch:news}:history", "switchboard:{ch:news}:history-times");
        assertThat(RedisKeys.key("switchboard", Topic.user("alice"), "presence"))
                .isEqualTo("switchboard:{u:alice}:presence");
        assertThat(ClusterSlots.of(RedisKeys.key("s", news, "meta")))
                .isEqualTo(ClusterSlots.of(RedisKeys.key("s", news, "published:k")));
    }

    @Test
    void nodeFiguresAndProbesLiveUnderTheNamespace() {
        assertThat(RedisKeys.nodes("switchboard")).isEqualTo("switchboard:nodes");
        assertThat(RedisKeys.probe("switchboard", "x1")).isEqualTo("switchboard:probe:x1");
    }
}
