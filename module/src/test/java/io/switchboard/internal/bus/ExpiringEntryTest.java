package io.switchboard.internal.bus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class ExpiringEntryTest {

    @Test
    void anEntryReadsBackAsItsValueUntilItExpires() {
        String text = ExpiringEntry.encode(1_000, "[\"alice\",\"bob\"]");
        assertThat(text).isEqualTo("1000 [\"alice\",\"bob\"]");
        assertThat(ExpiringEntry.decode(text, 999)).contains("[\"alice\",\"bob\"]");
        assertThat(ExpiringEntry.decode(text, 1_000)).isEmpty();
        assertThat(ExpiringEntry.decode(text, 5_000)).isEmpty();
    }

    @Test
    void aValueMayItselfHoldSpaces() {
        assertThat(ExpiringEntry.decode(ExpiringEntry.encode(10, "{\"a\": 1, \"b\": 2}"), 0))
                .contains("{\"a\": 1, \"b\": 2}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "garbage", " 1000 value", "soon value", "99999999999999999999 value",
            "1e9 value", "12x value"})
    void aMalformedEntryCountsAsAbsentInsteadOfThrowing(String foreign) {
        assertThat(ExpiringEntry.decode(foreign, 0)).isEmpty();
    }

    @Test
    void noEntryCountsAsAbsent() {
        assertThat(ExpiringEntry.decode(null, 0)).isEmpty();
    }
}
