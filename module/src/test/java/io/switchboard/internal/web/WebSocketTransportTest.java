package io.switchboard.internal.web;

import io.switchboard.internal.protocol.OutboundFrame;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a WebSocket message holds for each kind of client (SPEC v1.1), and how the handshake asks for it. */
class WebSocketTransportTest {
    private final OutboundFrame first = OutboundFrame.of("{\"op\":\"event\",\"data\":\"é\"}");
    private final OutboundFrame second = OutboundFrame.of("{\"op\":\"pong\"}");

    private static String utf8(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void aSingleFrameIsItsTextOrItsCachedBytesUncopied() {
        assertThat(WebSocketTransport.text(List.of(first))).isSameAs(first.text());
        ByteBuffer binary = WebSocketTransport.binary(List.of(first));
        assertThat(binary.array()).isSameAs(first.utf8());
        assertThat(utf8(binary)).isEqualTo(first.text());
        assertThat(WebSocketTransport.binary(List.of(first)).array()).as("encoded once, shared by every session")
                .isSameAs(binary.array());
    }

    @Test
    void aBatchIsItsFramesJoinedByNewlinesAsTextOrAsUtf8() {
        String joined = first.text() + "\n" + second.text();
        assertThat(WebSocketTransport.text(List.of(first, second))).isEqualTo(joined);
        ByteBuffer binary = WebSocketTransport.binary(List.of(first, second));
        assertThat(binary.position()).isZero();
        assertThat(utf8(binary)).isEqualTo(joined);
    }

    @Test
    void theHandshakeAsksWithOneAndAnythingElseIsRefusedByName() {
        assertThat(FrameOptions.of(Map.<String, List<String>>of()::get)).isEqualTo(FrameOptions.PLAIN);
        assertThat(FrameOptions.of(Map.of("batch", List.of("1"), "binary", List.of("1"))::get))
                .isEqualTo(new FrameOptions(true, true));
        assertThat(FrameOptions.of(Map.of("binary", List.of("1"))::get)).isEqualTo(new FrameOptions(false, true));
        assertThatThrownBy(() -> FrameOptions.of(Map.of("batch", List.of("true"))::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("'batch' must be 1 (or absent), was 'true'");
        assertThat(FrameOptions.orPlain(Map.of("binary", List.of("0"))::get)).isEqualTo(FrameOptions.PLAIN);
    }
}
