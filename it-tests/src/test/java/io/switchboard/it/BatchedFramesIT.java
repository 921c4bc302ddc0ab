package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Offset;
import io.switchboard.it.support.RawWebSocket;
import io.switchboard.it.support.ServerNode;
import io.switchboard.testkit.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batched and binary frames (SPEC v1.1) on real nodes, read off the wire: a client that asked with
 * {@code ?batch=1} and/or {@code ?binary=1} gets messages of that kind whose frames, split on
 * {@code '\n'}, are exactly the frames a plain client of the same node gets, in the same order, none
 * lost or twice; a plain client gets one text frame per message.
 *
 * <p>The nodes run with a write delay, so the events of one published batch reach a waiting
 * connection together: batching is then what the node does, not what timing happens to allow.
 */
class BatchedFramesIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int BATCHES = 3;
    private static final int PER_BATCH = 100;

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(2).properties(Map.of("switchboard.write-delay", "50"));

    /** What a client asked for in its handshake's query. */
    private enum Ask {
        PLAIN(""), BATCH("batch=1"), BINARY("binary=1"), BATCH_BINARY("batch=1&binary=1");

        final String query;

        Ask(String query) {
            this.query = query;
        }

        boolean batch() {
            return query.contains("batch=1");
        }

        boolean binary() {
            return query.contains("binary=1");
        }
    }

    /** One connection read message by message: what came, and in which kind of message. */
    private static final class Reader {
        final Ask ask;
        final RawWebSocket socket;
        final List<RawWebSocket.Frame> messages = new ArrayList<>();
        final List<String> frames = new ArrayList<>();

        Reader(Ask ask, ServerNode node) {
            this.ask = ask;
            this.socket = cluster.keep(RawWebSocket.open(node.port(), "/switchboard/ws" + (ask.query.isEmpty() ? "" : "?" + ask.query),
                    "http://127.0.0.1:" + node.port(), 0));
            assertThat(socket.status()).as("handshake of %s: %s", ask, socket.responseHead()).isEqualTo(101);
        }

        /** Reads messages until a frame with {@code op} has come; returns the first such frame. */
        JsonNode readUntil(String op) {
            int checked = 0;
            while (true) {
                while (checked < frames.size()) {
                    JsonNode frame = Json.parse(frames.get(checked++));
                    if (op.equals(frame.path("op").asText())) {
                        return frame;
                    }
                }
                readMessage();
            }
        }

        /** Reads messages until {@code count} events have come. */
        void readEvents(int count) {
            while (events().size() < count) {
                readMessage();
            }
        }

        private void readMessage() {
            try {
                RawWebSocket.Frame message = socket.read(TIMEOUT);
                assertThat(message.opcode()).as("%s got a close: %s", ask, message.text()).isNotEqualTo(RawWebSocket.CLOSE);
                messages.add(message);
                frames.addAll(Arrays.asList(message.text().split("\n", -1)));
            } catch (IOException e) {
                throw new UncheckedIOException(ask + ": no more messages", e);
            }
        }

        List<String> events() {
            return frames.stream().filter(frame -> "event".equals(Json.parse(frame).path("op").asText())).toList();
        }
    }

    @Test
    void clientsThatAskedGetTheirKindOfMessagesHoldingExactlyThePlainClientsFramesInOrder() {
        String channel = "batched-" + UUID.randomUUID();
        Map<Integer, Map<Ask, Reader>> byNode = new LinkedHashMap<>();
        for (int node = 1; node <= 2; node++) {
            Map<Ask, Reader> readers = new LinkedHashMap<>();
            for (Ask ask : Ask.values()) {
                Reader reader = new Reader(ask, cluster.node(node));
                assertThat(reader.readUntil("welcome").path("node").asText()).isNotEmpty();
                reader.socket.sendText("{\"op\":\"subscribe\",\"channel\":\"" + channel + "\",\"id\":\"s\"}");
                assertThat(reader.readUntil("subscribed").path("channel").asText()).isEqualTo(channel);
                readers.put(ask, reader);
            }
            byNode.put(node, readers);
        }

        List<String> offsets = new ArrayList<>();
        for (int batch = 0; batch < BATCHES; batch++) {
            int first = batch * PER_BATCH;
            String events = IntStream.range(first, first + PER_BATCH)
                    .mapToObj(n -> "{\"channel\":\"" + channel + "\",\"event\":\"tick\",\"data\":{\"n\":" + n + ",\"text\":\"é ✓ " + n + "\"}}")
                    .collect(Collectors.joining(",", "{\"events\":[", "]}"));
            var published = cluster.node(batch % 2 + 1).api().post("/switchboard/api/events", events);
            assertThat(published.status()).as("publish %s", published).isEqualTo(202);
            published.json().path("offsets").forEach(offset -> offsets.add(offset.asText()));
        }
        int total = BATCHES * PER_BATCH;
        assertThat(Offset.parse(offsets.get(total - 1)).seq() - Offset.parse(offsets.get(0)).seq()).isEqualTo(total - 1);

        for (Map<Ask, Reader> readers : byNode.values()) {
            readers.values().forEach(reader -> reader.readEvents(total));
            List<String> plainEvents = readers.get(Ask.PLAIN).events();
            assertThat(plainEvents).extracting(frame -> Json.parse(frame).path("offset").asText())
                    .as("the plain client's events").containsExactlyElementsOf(offsets);
            for (Reader reader : readers.values()) {
                assertThat(reader.events()).as("events of %s, as the plain client got them", reader.ask)
                        .containsExactlyElementsOf(plainEvents);
                assertThat(reader.frames).as("frames of %s", reader.ask).allSatisfy(frame ->
                        assertThat(Json.parse(frame).path("op").isTextual()).as("a whole JSON frame: %s", frame).isTrue());
                int expectedOpcode = reader.ask.binary() ? RawWebSocket.BINARY : RawWebSocket.TEXT;
                assertThat(reader.messages).extracting(RawWebSocket.Frame::opcode).as("message kinds of %s", reader.ask)
                        .containsOnly(expectedOpcode);
                List<Integer> framesPerMessage = reader.messages.stream()
                        .map(message -> message.text().split("\n", -1).length).toList();
                if (reader.ask.batch()) {
                    assertThat(framesPerMessage).as("frames per message of %s", reader.ask).anyMatch(n -> n > 1);
                } else {
                    assertThat(framesPerMessage).as("frames per message of %s", reader.ask).containsOnly(1);
                }
            }
        }
    }

    @Test
    void aFrameOptionOtherThanOneIsRefusedBeforeTheUpgrade() {
        ServerNode node = cluster.node(1);
        for (String query : List.of("batch=yes", "binary=0", "batch=1&binary=true")) {
            RawWebSocket socket = cluster.keep(RawWebSocket.open(node.port(), "/switchboard/ws?" + query,
                    "http://127.0.0.1:" + node.port(), 0));
            assertThat(socket.status()).as("handshake with ?%s: %s", query, socket.responseHead()).isEqualTo(400);
        }
    }
}
