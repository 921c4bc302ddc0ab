package io.switchboard.internal.node;

import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.security.ClientTokens;
import io.switchboard.internal.testing.ScriptedContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A connection lives as long as its client token, moved on by {@code refresh}, against a clock the test sets. */
class TokenLifetimeTest {
    private static final String SECRET = "token-lifetime-test-secret-32-bytes!";
    private static final long START = 1_800_000_000L;

    private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(START));
    private final ClientTokens tokens = new ClientTokens(SECRET, clock);
    private SwitchboardNode node;

    @BeforeEach
    void start() {
        SwitchboardConfig config = SwitchboardConfig.load(new ConfigSource(
                Map.of(SwitchboardConfig.TOKEN_SECRET, SECRET, SwitchboardConfig.NODE_ID, "unit")::get,
                key -> null, Map.of()));
        node = new SwitchboardNode(config, new LocalBus(10, Duration.ofMinutes(1)), clock);
        node.start();
    }

    @AfterEach
    void stop() {
        node.stop();
    }

    @Test
    void anExpiredTokenClosesTheConnectionWith4401() {
        ScriptedContainer socket = reading("socket");
        Connection connection = welcomed(socket, Identity.token("alice", START + 60));

        clock.set(Instant.ofEpochSecond(START + 60));
        node.closeExpiredIdentities();
        assertThat(connection.session().isOpen()).as("still valid during its last second").isTrue();

        clock.set(Instant.ofEpochSecond(START + 61));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void aRefreshWithAValidTokenOfTheSameUserExtendsTheConnection() {
        ScriptedContainer socket = reading("socket");
        Connection connection = welcomed(socket, Identity.token("alice", START + 60));

        clock.set(Instant.ofEpochSecond(START + 50));
        connection.onText("{\"op\":\"refresh\",\"token\":\"" + tokens.mint("alice", START + 600) + "\"}");
        clock.set(Instant.ofEpochSecond(START + 300));
        node.closeExpiredIdentities();

        assertThat(connection.session().isOpen()).isTrue();
        assertThat(socket.written()).noneMatch(frame -> frame.path("op").asText().equals("error"));
        clock.set(Instant.ofEpochSecond(START + 601));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void aRefreshWithAnotherUsersTokenIsRefusedAndTheOldExpiryStands() {
        ScriptedContainer socket = reading("socket");
        Connection connection = welcomed(socket, Identity.token("alice", START + 60));

        connection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + tokens.mint("mallory", START + 600) + "\"}");

        assertThat(socket.written()).anySatisfy(frame -> {
            assertThat(frame.path("op").asText()).isEqualTo("error");
            assertThat(frame.path("code").asText()).isEqualTo("forbidden");
            assertThat(frame.path("id").asInt()).isEqualTo(1);
        });
        clock.set(Instant.ofEpochSecond(START + 61));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void aRefreshWithAForgedOrExpiredTokenIsRefusedAndTheOldExpiryStands() {
        ScriptedContainer socket = reading("socket");
        Connection connection = welcomed(socket, Identity.token("alice", START + 60));
        ClientTokens forger = new ClientTokens("some-other-secret-of-32-bytes-or-more", clock);

        connection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + forger.mint("alice", START + 600) + "\"}");
        connection.onText("{\"op\":\"refresh\",\"id\":2,\"token\":\"" + tokens.mint("alice", START - 1) + "\"}");
        connection.onText("{\"op\":\"refresh\",\"id\":3,\"token\":\"garbage\"}");

        assertThat(socket.written()).filteredOn(frame -> frame.path("op").asText().equals("error"))
                .extracting(frame -> frame.path("code").asText()).containsExactly("unauthorized", "unauthorized", "unauthorized");
        clock.set(Instant.ofEpochSecond(START + 61));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void loginsAndAnonymousConnectionsHaveNoTokenToExpireOrRefresh() {
        ScriptedContainer login = reading("login");
        ScriptedContainer anonymous = reading("anonymous");
        Connection loginConnection = welcomed(login, Identity.login("alice"));
        Connection anonymousConnection = node.open(anonymous.transport(), Identity.anonymous());

        loginConnection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + tokens.mint("alice", START + 600) + "\"}");
        clock.set(Instant.ofEpochSecond(START + 100_000));
        node.closeExpiredIdentities();

        assertThat(loginConnection.session().isOpen()).isTrue();
        assertThat(anonymousConnection.session().isOpen()).isTrue();
        assertThat(login.written()).anySatisfy(frame -> assertThat(frame.path("code").asText()).isEqualTo("bad_request"));
    }

    /** Opens a connection and waits for its welcome: from then on a request is answered before onText returns. */
    private Connection welcomed(ScriptedContainer socket, Identity identity) {
        Connection connection = node.open(socket.transport(), identity);
        socket.awaitWelcome();
        return connection;
    }

    /** A connection whose sends complete at once, as a client's that reads everything. */
    private static ScriptedContainer reading(String id) {
        ScriptedContainer container = new ScriptedContainer(id);
        container.completeInline = true;
        return container;
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
