package io.switchboard.internal.node;

import io.switchboard.internal.session.Connection;
import io.switchboard.internal.session.Identity;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.internal.config.SwitchboardConfig;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.security.ClientTokens;
import io.switchboard.testkit.Await;
import io.switchboard.internal.session.Transport;
import jakarta.websocket.CloseReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

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
        FakeSession socket = new FakeSession();
        Connection connection = node.open(socket.session(), Identity.token("alice", START + 60));

        clock.set(Instant.ofEpochSecond(START + 60));
        node.closeExpiredIdentities();
        assertThat(connection.session().isOpen()).as("still valid during its last second").isTrue();

        clock.set(Instant.ofEpochSecond(START + 61));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void aRefreshWithAValidTokenOfTheSameUserExtendsTheConnection() {
        FakeSession socket = new FakeSession();
        Connection connection = node.open(socket.session(), Identity.token("alice", START + 60));

        clock.set(Instant.ofEpochSecond(START + 50));
        connection.onText("{\"op\":\"refresh\",\"token\":\"" + tokens.mint("alice", START + 600) + "\"}");
        clock.set(Instant.ofEpochSecond(START + 300));
        node.closeExpiredIdentities();

        assertThat(connection.session().isOpen()).isTrue();
        assertThat(socket.frames()).noneMatch(frame -> frame.path("op").asText().equals("error"));
        clock.set(Instant.ofEpochSecond(START + 601));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void aRefreshWithAnotherUsersTokenIsRefusedAndTheOldExpiryStands() {
        FakeSession socket = new FakeSession();
        Connection connection = node.open(socket.session(), Identity.token("alice", START + 60));

        connection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + tokens.mint("mallory", START + 600) + "\"}");

        assertThat(socket.frames()).anySatisfy(frame -> {
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
        FakeSession socket = new FakeSession();
        Connection connection = node.open(socket.session(), Identity.token("alice", START + 60));
        ClientTokens forger = new ClientTokens("some-other-secret-of-32-bytes-or-more", clock);

        connection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + forger.mint("alice", START + 600) + "\"}");
        connection.onText("{\"op\":\"refresh\",\"id\":2,\"token\":\"" + tokens.mint("alice", START - 1) + "\"}");
        connection.onText("{\"op\":\"refresh\",\"id\":3,\"token\":\"garbage\"}");

        assertThat(socket.frames()).filteredOn(frame -> frame.path("op").asText().equals("error"))
                .extracting(frame -> frame.path("code").asText()).containsExactly("unauthorized", "unauthorized", "unauthorized");
        clock.set(Instant.ofEpochSecond(START + 61));
        node.closeExpiredIdentities();
        assertThat(socket.awaitCloseCode()).isEqualTo(CloseCodes.IDENTITY_EXPIRED);
    }

    @Test
    void loginsAndAnonymousConnectionsHaveNoTokenToExpireOrRefresh() {
        FakeSession login = new FakeSession();
        FakeSession anonymous = new FakeSession();
        Connection loginConnection = node.open(login.session(), Identity.login("alice"));
        Connection anonymousConnection = node.open(anonymous.session(), Identity.anonymous());

        loginConnection.onText("{\"op\":\"refresh\",\"id\":1,\"token\":\"" + tokens.mint("alice", START + 600) + "\"}");
        clock.set(Instant.ofEpochSecond(START + 100_000));
        node.closeExpiredIdentities();

        assertThat(loginConnection.session().isOpen()).isTrue();
        assertThat(anonymousConnection.session().isOpen()).isTrue();
        assertThat(login.frames()).anySatisfy(frame -> assertThat(frame.path("code").asText()).isEqualTo("bad_request"));
    }

    /** A container session whose sends complete at once; records frames and the close. */
    private static final class FakeSession {
        final List<String> written = new CopyOnWriteArrayList<>();
        volatile CloseReason closedWith;

        Transport session() {
            String id = "s" + System.identityHashCode(this);
            return new Transport() {
                @Override
                public String id() {
                    return id;
                }

                @Override
                public String kind() {
                    return "websocket";
                }

                @Override
                public void send(String frame, Completion done) {
                    written.add(frame);
                    done.sent(null);
                }

                @Override
                public boolean isOpen() {
                    return closedWith == null;
                }

                @Override
                public void close(int code, String reason) {
                    closedWith = new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason);
                }
            };
        }

        /** The close code, once the node's closer thread has written it. */
        int awaitCloseCode() {
            Await.until("the session closed", () -> closedWith != null);
            return closedWith.getCloseCode().getCode();
        }

        List<JsonNode> frames() {
            return written.stream().map(text -> {
                try {
                    return Json.MAPPER.readTree(text);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).toList();
        }
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
