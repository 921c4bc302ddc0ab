package io.switchboard.internal.protocol;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelNamesTest {

    @Test
    void acceptsOneTo128OfTheSpecCharacters() {
        assertThat(ChannelNames.isValidChannel("a")).isTrue();
        assertThat(ChannelNames.isValidChannel("room-1_A.b:c@d")).isTrue();
        assertThat(ChannelNames.isValidChannel("Z9".repeat(64))).as("128 characters").isTrue();
    }

    @Test
    void refusesEmptyTooLongAndOtherCharacters() {
        assertThat(ChannelNames.isValidChannel(null)).isFalse();
        assertThat(ChannelNames.isValidChannel("")).isFalse();
        assertThat(ChannelNames.isValidChannel("x".repeat(129))).as("129 characters").isFalse();
        for (String bad : new String[]{"a b", "a/b", "a*", "a\nb", "caf\u00e9", "a#b", "a+b", "\u0000"}) {
            assertThat(ChannelNames.isValidChannel(bad)).as(bad).isFalse();
        }
    }
}
