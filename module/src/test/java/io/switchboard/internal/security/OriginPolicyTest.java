package io.switchboard.internal.security;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OriginPolicyTest {
    private final OriginPolicy byDefault = new OriginPolicy(List.of(), List.of());

    @Test
    void pagesServedFromALoopbackHostMayConnect() {
        assertThat(byDefault.allows("http://127.0.0.1:8080", "127.0.0.1:8080")).isTrue();
        assertThat(byDefault.allows("http://localhost:8080", "localhost:8080")).isTrue();
        assertThat(byDefault.allows("http://[::1]:8080", "[::1]:8080")).isTrue();
        assertThat(byDefault.allows("http://localhost", "localhost")).isTrue();
    }

    @Test
    void aRebindingHostIsRefusedEvenWhenOriginAndHostMatch() {
        // evil.example was made to resolve to this server: the browser sends its own name in both.
        assertThat(byDefault.allows("http://evil.example:8080", "evil.example:8080")).isFalse();
        assertThat(byDefault.allows("http://192.168.1.5:8080", "192.168.1.5:8080")).isFalse();
        assertThat(byDefault.allows("http://127.0.0.1.evil.example", "127.0.0.1.evil.example")).isFalse();
    }

    @Test
    void configuredPublicHostsMayConnectWithOrWithoutAPort() {
        OriginPolicy policy = new OriginPolicy(List.of(), List.of("app.example.com", "Other.Example:8443"));
        assertThat(policy.allows("https://app.example.com", "app.example.com")).isTrue();
        assertThat(policy.allows("https://app.example.com:9000", "app.example.com:9000")).isTrue();
        assertThat(policy.allows("https://other.example:8443", "other.example:8443")).isTrue();
        assertThat(policy.allows("https://other.example:9443", "other.example:9443")).isFalse();
        assertThat(policy.allows("https://evil.example", "evil.example")).isFalse();
        assertThat(policy.allows("https://evil.example", "app.example.com")).as("foreign Origin").isFalse();
    }

    @Test
    void aForeignOriginIsRefusedOnALoopbackHost() {
        assertThat(byDefault.allows("http://evil.example", "127.0.0.1:8080")).isFalse();
    }

    @Test
    void handshakesWithoutAnOriginAreNotFromBrowsersAndPass() {
        assertThat(byDefault.allows(null, "evil.example")).isTrue();
    }

    @Test
    void configuredOriginsReplaceTheHostRules() {
        OriginPolicy policy = new OriginPolicy(List.of("https://app.example.com"), List.of());
        assertThat(policy.allows("https://app.example.com", "internal-node-7:8080")).isTrue();
        assertThat(policy.allows("http://127.0.0.1:8080", "127.0.0.1:8080")).isFalse();
    }

    @Test
    void theDescriptionSaysWhatIsAllowed() {
        assertThat(byDefault.describe()).contains("loopback").contains("switchboard.public-hosts");
        assertThat(new OriginPolicy(List.of(), List.of("app.example.com")).describe()).contains("app.example.com");
    }
}
