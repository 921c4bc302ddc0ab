package io.switchboard.bench.target;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AsyncProfilerTest {

    @Test
    void picksTheLibraryOfTheJvmsArchitecture() throws IOException {
        assertThat(AsyncProfiler.platform("Linux", "amd64")).isEqualTo("linux-x64");
        assertThat(AsyncProfiler.platform("Linux", "aarch64")).isEqualTo("linux-arm64");
    }

    @Test
    void refusesAPlatformItHasNoLibraryForAndSaysWhichItIs() {
        assertThatThrownBy(() -> AsyncProfiler.platform("Linux", "ppc64le"))
                .isInstanceOf(IOException.class).hasMessageContaining("Linux on ppc64le");
        assertThatThrownBy(() -> AsyncProfiler.platform("Mac OS X", "aarch64"))
                .isInstanceOf(IOException.class).hasMessageContaining("Mac OS X on aarch64");
    }
}
