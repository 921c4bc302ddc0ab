package io.switchboard.internal.security;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DefaultChannelAuthorizerTest {
    private final DefaultChannelAuthorizer authorizer = new DefaultChannelAuthorizer();

    @Test
    void aUserMayUseTheirOwnPrivateChannels() {
        assertThat(authorizer.mayAccess("alice", "private-alice")).isTrue();
        assertThat(authorizer.mayAccess("alice", "private-alice.inbox")).isTrue();
        assertThat(authorizer.mayAccess("alice", "private-alice.orders.42")).isTrue();
    }

    @Test
    void anotherUsersPrivateChannelsAreRefused() {
        assertThat(authorizer.mayAccess("alice", "private-bob")).isFalse();
        assertThat(authorizer.mayAccess("alice", "private-bob.inbox")).isFalse();
        assertThat(authorizer.mayAccess("alice", "private-alicex")).as("a prefix is not the user").isFalse();
        assertThat(authorizer.mayAccess("alice", "private-alice.")).isFalse();
        assertThat(authorizer.mayAccess("alice", "private-")).isFalse();
        assertThat(authorizer.mayAccess("alice", "private-team-7")).as("shared channels need an authorizer").isFalse();
    }

    @Test
    void presenceChannelsAreOpenToIdentifiedUsers() {
        assertThat(authorizer.mayAccess("alice", "presence-lobby")).isTrue();
    }
}
