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

    @Test
    void withoutAnOriginNeitherTheListNorTheHostIsConsulted() {
        OriginPolicy listed = new OriginPolicy(List.of("https://app.example.com"), List.of());
        assertThat(listed.allows(null, "evil.example")).isTrue();
        assertThat(byDefault.allows(null, null)).isTrue();
    }

    @Test
    void theNullOriginOfSandboxedAndFilePagesIsRefusedUnlessAnyOriginIsAllowed() {
        assertThat(byDefault.allows("null", "localhost:8080")).isFalse();
        assertThat(new OriginPolicy(List.of("https://app.example.com"), List.of()).allows("null", "localhost")).isFalse();
        assertThat(new OriginPolicy(List.of("*"), List.of()).allows("null", "localhost")).isTrue();
    }

    @Test
    void aBrowserHandshakeWithoutAHostIsRefusedByDefault() {
        assertThat(byDefault.allows("http://localhost:8080", null)).isFalse();
    }

    @Test
    void originsAndHostsCompareWithoutRegardToCase() {
        assertThat(byDefault.allows("HTTP://LocalHost:8080", "LOCALHOST:8080")).isTrue();
        OriginPolicy publicHost = new OriginPolicy(List.of(), List.of("app.example.com"));
        assertThat(publicHost.allows("https://APP.example.com", "App.Example.Com")).isTrue();
        OriginPolicy listed = new OriginPolicy(List.of("https://App.Example.com"), List.of());
        assertThat(listed.allows("https://app.EXAMPLE.com", "anything")).isTrue();
    }

    @Test
    void aListedOriginMatchesWithOrWithoutATrailingSlashButOnlyItsOwnSchemeAndPort() {
        OriginPolicy listed = new OriginPolicy(List.of(" https://app.example.com/ "), List.of());
        assertThat(listed.allows("https://app.example.com", "h")).isTrue();
        assertThat(listed.allows("https://app.example.com/", "h")).isTrue();
        assertThat(listed.allows("http://app.example.com", "h")).as("another scheme").isFalse();
        assertThat(listed.allows("https://app.example.com:8443", "h")).as("another port").isFalse();
        assertThat(listed.allows("https://app.example.com.evil.example", "h")).isFalse();
    }

    @Test
    void anOriginWithoutAPortMatchesAHostWithItsSchemesDefaultPort() {
        assertThat(byDefault.allows("http://localhost", "localhost:80")).isTrue();
        assertThat(byDefault.allows("https://localhost", "localhost:443")).isTrue();
        assertThat(byDefault.allows("http://localhost", "localhost:443")).isFalse();
        assertThat(byDefault.allows("https://localhost", "localhost:80")).isFalse();
    }

    @Test
    void theOriginsPortMustBeTheHostsPort() {
        assertThat(byDefault.allows("http://localhost:8080", "localhost:9090")).isFalse();
        assertThat(byDefault.allows("http://localhost:8080", "localhost")).isFalse();
        assertThat(byDefault.allows("http://localhost", "localhost:8080")).isFalse();
    }

    @Test
    void onlyLiteralLoopbackNamesCountAsLoopback() {
        assertThat(byDefault.allows("http://127.255.0.1:8080", "127.255.0.1:8080")).isTrue();
        assertThat(byDefault.allows("http://0.0.0.0:8080", "0.0.0.0:8080")).isFalse();
        assertThat(byDefault.allows("http://localhost.evil.example", "localhost.evil.example")).isFalse();
        assertThat(byDefault.allows("http://[::2]:8080", "[::2]:8080")).isFalse();
        assertThat(byDefault.allows("http://127.0.0.1:8080", "localhost:8080")).as("same machine, another name").isFalse();
    }

    @Test
    void aPublicHostLetsInOnlyPagesOfThatSameHost() {
        OriginPolicy policy = new OriginPolicy(List.of(), List.of("app.example.com", "other.example.com"));
        assertThat(policy.allows("https://other.example.com", "app.example.com")).isFalse();
        assertThat(policy.allows("http://localhost:8080", "app.example.com")).as("a loopback page on a public host").isFalse();
        assertThat(policy.allows("https://sub.app.example.com", "sub.app.example.com")).as("not a listed name").isFalse();
    }

    @Test
    void anIpv6PublicHostIsMatchedWithItsBrackets() {
        OriginPolicy policy = new OriginPolicy(List.of(), List.of("[2001:db8::1]"));
        assertThat(policy.allows("http://[2001:db8::1]:8080", "[2001:db8::1]:8080")).isTrue();
        assertThat(policy.allows("http://[2001:db8::2]:8080", "[2001:db8::2]:8080")).isFalse();
    }

    @Test
    void anyOriginIsAllowedByAStarAndOnlyByAStarAlone() {
        OriginPolicy any = new OriginPolicy(List.of("https://app.example.com", "*"), List.of());
        assertThat(any.allows("https://evil.example", "internal:8080")).isTrue();
        assertThat(any.describe()).contains("any Origin");
        // A star inside an Origin is no pattern: it matches only that exact (impossible) Origin.
        OriginPolicy pattern = new OriginPolicy(List.of("https://*.example.com"), List.of());
        assertThat(pattern.allows("https://app.example.com", "app.example.com")).isFalse();
        assertThat(pattern.describe()).contains("https://*.example.com");
    }

    @Test
    void anOriginThatIsNoUrlIsRefused() {
        assertThat(byDefault.allows("not a url", "localhost")).isFalse();
        assertThat(byDefault.allows("localhost:8080", "localhost:8080")).as("no scheme").isFalse();
        assertThat(byDefault.allows("http://", "localhost")).isFalse();
        assertThat(byDefault.allows("", "localhost")).isFalse();
    }
}
