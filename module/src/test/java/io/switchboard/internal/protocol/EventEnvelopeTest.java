package io.switchboard.internal.protocol;

import com.fasterxml.jackson.databind.node.IntNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bus envelope's optional publish time: written by this version, absent from older ones, never trusted blindly. */
class EventEnvelopeTest {

    @Test
    void thePublishTimeTravelsInTheEnvelope() {
        String encoded = new EventEnvelope("e", IntNode.valueOf(1), "n1", 1_700_000_000_123L).encode();

        assertThat(encoded).contains("\"ts\":1700000000123");
        assertThat(EventEnvelope.decode(encoded)).isEqualTo(new EventEnvelope("e", IntNode.valueOf(1), "n1", 1_700_000_000_123L));
    }

    @Test
    void anEnvelopeOfAnEarlierVersionHasNoPublishTimeAndAnEnvelopeWithoutOneWritesNone() {
        assertThat(EventEnvelope.decode("{\"event\":\"e\",\"data\":1,\"node\":\"n1\"}").publishedAt()).isZero();
        assertThat(new EventEnvelope("e", IntNode.valueOf(1), "n1").encode()).doesNotContain("ts");
    }

    @Test
    void aPublishTimeThatIsNotAWholePositiveNumberCountsAsNone() {
        for (String ts : new String[] {"\"soon\"", "-5", "1.5", "null", "{}"}) {
            assertThat(EventEnvelope.decode("{\"event\":\"e\",\"data\":1,\"node\":\"n1\",\"ts\":" + ts + "}").publishedAt())
                    .as("ts %s", ts).isZero();
        }
    }
}
