package io.switchboard.sample;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CrossSiteTest {

    @Test
    void aPostFromThisSitesOwnPageIsAccepted() {
        assertThat(CrossSite.isCrossSite("same-origin", "http://127.0.0.1:8080", "127.0.0.1:8080")).isFalse();
        assertThat(CrossSite.isCrossSite(null, "http://127.0.0.1:8080", "127.0.0.1:8080")).isFalse();
        assertThat(CrossSite.isCrossSite(null, "https://app.example", "app.example:443")).isFalse();
    }

    @Test
    void aPostFromAnotherSitesPageIsRefused() {
        assertThat(CrossSite.isCrossSite("cross-site", "https://evil.example", "127.0.0.1:8080")).isTrue();
        assertThat(CrossSite.isCrossSite("same-site", "http://other.example.com", "app.example.com")).isTrue();
        assertThat(CrossSite.isCrossSite(null, "https://evil.example", "127.0.0.1:8080")).isTrue();
        assertThat(CrossSite.isCrossSite(null, "null", "127.0.0.1:8080")).isTrue();
        assertThat(CrossSite.isCrossSite(null, "http://127.0.0.1:9090", "127.0.0.1:8080")).as("another port").isTrue();
    }

    @Test
    void fetchMetadataWinsOverAMatchingOrigin() {
        assertThat(CrossSite.isCrossSite("cross-site", "http://127.0.0.1:8080", "127.0.0.1:8080")).isTrue();
        assertThat(CrossSite.isCrossSite("none", null, "127.0.0.1:8080")).as("typed by the user").isFalse();
    }

    @Test
    void aRequestWithoutBrowserHeadersIsNotABrowsersAndPasses() {
        assertThat(CrossSite.isCrossSite(null, null, "127.0.0.1:8080")).isFalse();
    }
}
