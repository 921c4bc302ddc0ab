package io.switchboard.publisher;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.api.PublishException;
import io.switchboard.internal.config.ConfigSource;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The standalone publisher against a real redis-server: what it publishes is a node's publish
 * (offsets, history, origin, idempotency), what it refuses publishes nothing, and close() leaves
 * no thread, connection or subscription behind.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwitchboardPublisherTest {
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private RedisServerProcess redis;

    @BeforeAll
    void startRedis() {
        redis = RedisServerProcess.start("SwitchboardPublisherTest-redis");
    }

    @AfterAll
    void stopRedis() {
        redis.close();
    }

    @Test
    void publishesOneAfterAnotherGetContiguousOffsetsInOrderAndCarryThePublishersOrigin() throws Exception {
        String ns = namespace();
        try (SwitchboardPublisher publisher = builder(ns).nodeId("billing-job").build()) {
            List<CompletableFuture<String>> stages = new ArrayList<>();
            for (int n = 0; n < 5; n++) {
                stages.add(publisher.publish("news", "tick", Map.of("n", n)).toCompletableFuture());
            }
            List<String> offsets = new ArrayList<>();
            for (CompletableFuture<String> stage : stages) {
                offsets.add(stage.get(10, TimeUnit.SECONDS));
            }
            String epoch = offsets.get(0).substring(0, offsets.get(0).lastIndexOf('-'));
            assertThat(offsets).containsExactly(epoch + "-1", epoch + "-2", epoch + "-3", epoch + "-4", epoch + "-5");

            List<JsonNode> history = history(ns + ":{ch:news}:history");
            assertThat(history).extracting(e -> e.path("data").path("n").asInt()).containsExactly(0, 1, 2, 3, 4);
            assertThat(history).extracting(e -> e.path("node").asText()).containsOnly("billing-job");
            assertThat(history).extracting(e -> e.path("event").asText()).containsOnly("tick");
            assertThat(publisher.nodeId()).isEqualTo("billing-job");
        }
    }

    @Test
    void aUserEventGoesToThatUsersStream() throws Exception {
        String ns = namespace();
        try (SwitchboardPublisher publisher = builder(ns).build()) {
            String offset = publisher.toUser("alice").publish("invoice-ready", Map.of("id", 42))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(offset).endsWith("-1");
            assertThat(history(ns + ":{u:alice}:history")).singleElement()
                    .satisfies(e -> assertThat(e.path("data").path("id").asInt()).isEqualTo(42));
            assertThat(publisher.nodeId()).as("the default origin").startsWith("publisher-");
        }
    }

    @Test
    void aBatchRepeatedWithTheSameIdempotencyKeyIsPublishedOnceAndAnswersTheFirstOffsets() throws Exception {
        String ns = namespace();
        try (SwitchboardPublisher publisher = builder(ns).build()) {
            List<Event> batch = List.of(Event.toChannel("orders", "created", Map.of("id", 1)),
                    Event.toChannel("orders", "paid", Map.of("id", 1)), Event.toUser("bob", "receipt", "r-1"));
            List<String> first = publisher.publish(batch, "order-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<String> repeat = publisher.publish(batch, "order-1").toCompletableFuture().get(10, TimeUnit.SECONDS);
            List<String> unkeyed = publisher.publish(batch).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(first).extracting(SwitchboardPublisherTest::seq).containsExactly(1L, 2L, 1L);
            assertThat(repeat).isEqualTo(first);
            assertThat(unkeyed).extracting(SwitchboardPublisherTest::seq).containsExactly(3L, 4L, 2L);
            assertThat(history(ns + ":{ch:orders}:history")).extracting(e -> e.path("event").asText())
                    .containsExactly("created", "paid", "created", "paid");
            assertThat(history(ns + ":{u:bob}:history")).hasSize(2);
        }
    }

    @Test
    void fromTheEnvironmentReadsTheModulesKeysTrimsHistoryWithThemAndIgnoresANodesOtherSettings() throws Exception {
        String ns = namespace();
        Map<String, String> environment = new HashMap<>();
        environment.put("SWITCHBOARD_REDIS", redis.url());
        environment.put("SWITCHBOARD_NAMESPACE", ns);
        environment.put("SWITCHBOARD_HISTORY_SIZE", "2");
        environment.put("SWITCHBOARD_NODE_ID", "from-env");
        environment.put("SWITCHBOARD_API_TOKEN", "too short for a node, not read here");
        Map<String, String> properties = Map.of("switchboard.max-batch", "3");
        try (SwitchboardPublisher publisher = SwitchboardPublisher.from(
                new ConfigSource(key -> null, properties::get, environment))) {
            for (int n = 0; n < 5; n++) {
                publisher.publish("trimmed", "e", n).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            assertThat(history(ns + ":{ch:trimmed}:history")).extracting(e -> e.path("data").asInt()).containsExactly(3, 4);
            assertThat(publisher.nodeId()).isEqualTo("from-env");
            List<Event> four = List.of(Event.toChannel("a", "e", 1), Event.toChannel("a", "e", 2),
                    Event.toChannel("a", "e", 3), Event.toChannel("a", "e", 4));
            assertThatThrownBy(() -> publisher.publish(four)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most 3 events");
        }
    }

    @Test
    void badNamesSizesBatchesAndKeysAreIllegalArgumentsAndPublishNothing() {
        String ns = namespace();
        try (SwitchboardPublisher publisher = builder(ns).maxData(64).maxBatch(2).build()) {
            assertThatThrownBy(() -> publisher.publish("no spaces", "e", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid channel name");
            assertThatThrownBy(() -> publisher.publish(null, "e", 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> publisher.publish("@user", "e", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserved");
            assertThatThrownBy(() -> publisher.publish("news", "", 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid event name");
            assertThatThrownBy(() -> publisher.publish("news", null, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> publisher.publish("news", "e", "x".repeat(100)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("over 64 bytes");
            assertThatThrownBy(() -> publisher.toUser("")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid user id");
            assertThatThrownBy(() -> publisher.toUser("bob").publish("e", "x".repeat(100)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> publisher.publish(List.of())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no events");
            assertThatThrownBy(() -> publisher.publish(List.of(Event.toChannel("a", "e", 1), Event.toChannel("a", "e", 2),
                    Event.toChannel("a", "e", 3)))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most 2 events");
            assertThatThrownBy(() -> publisher.publish(List.of(Event.toChannel("a", "e", 1),
                    Event.toChannel("bad name", "e", 2)))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("events[1]: invalid channel name");
            assertThatThrownBy(() -> publisher.publish(List.of(Event.toChannel("a", "e", 1),
                    Event.toUser("bob", "", 2)))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("events[1]: invalid event name");
            assertThatThrownBy(() -> publisher.publish(List.of(Event.toChannel("a", "e", 1)), "has spaces"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key");
            assertThatThrownBy(() -> publisher.publish(List.of(Event.toChannel("a", "e", 1)), "k".repeat(101)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("idempotency key");
        }
        assertThat(keys(ns + ":*")).as("keys of namespace %s", ns).isEmpty();
    }

    @Test
    void theBuilderRefusesAMissingRedisAndSettingsANodeWouldRefuse() {
        assertThatThrownBy(() -> SwitchboardPublisher.builder().build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("switchboard.redis").hasMessageContaining("switchboard.redisson-config");
        assertThatThrownBy(() -> builder("has space").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("switchboard.namespace");
        assertThatThrownBy(() -> builder(namespace()).nodeId("no spaces").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("switchboard.node-id");
        assertThatThrownBy(() -> builder(namespace()).historySize(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("switchboard.history-size");
        assertThatThrownBy(() -> builder(namespace()).historyBytes(10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("switchboard.history-bytes");
        assertThatThrownBy(() -> builder(namespace()).historyTtl(Duration.ofMillis(1500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("switchboard.history-ttl");
        assertThatThrownBy(() -> SwitchboardPublisher.builder().redis("http://not-redis").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://");
        assertThatThrownBy(() -> SwitchboardPublisher.builder().redissonConfig(Path.of("/no/such/redisson.yaml")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("switchboard.redisson-config");
    }

    @Test
    void itSubscribesToNothingAndAnnouncesNoNode() throws Exception {
        String ns = namespace();
        try (SwitchboardPublisher publisher = builder(ns).nodeId("quiet-" + ns).build()) {
            publisher.publish("news", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            publisher.toUser("alice").publish("e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);

            List<String> connections = clients("switchboard:quiet-" + ns);
            assertThat(connections).as("its connections").isNotEmpty();
            assertThat(connections).as("its connections' subscriptions")
                    .allSatisfy(client -> assertThat(client).contains(" sub=0 ", " psub=0 "));
            assertThat(redis.subscribedChannels("*")).as("channels anyone subscribes to").isEmpty();
            assertThat(keys(ns + ":nodes")).as("the node directory").isEmpty();
        }
    }

    @Test
    void closeWaitsForThePublishesAlreadyMadeThenRefusesMore() throws Exception {
        String ns = namespace();
        SwitchboardPublisher publisher = builder(ns).build();
        List<CompletableFuture<String>> stages = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            stages.add(publisher.publish("burst", "e", n).toCompletableFuture());
        }
        publisher.close();

        assertThat(stages).allSatisfy(stage -> assertThat(stage).isCompleted());
        assertThat(history(ns + ":{ch:burst}:history")).hasSize(200);
        CompletionStage<String> late = publisher.publish("burst", "e", "late");
        assertThatThrownBy(() -> late.toCompletableFuture().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(PublishException.class);
        publisher.close(); // again: nothing happens
        assertThat(history(ns + ":{ch:burst}:history")).hasSize(200);
    }

    @Test
    void closeEndsEveryThreadAndRedisConnectionItStarted() throws Exception {
        String ns = namespace();
        String name = "switchboard:closing-" + ns;
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        SwitchboardPublisher publisher = builder(ns).nodeId("closing-" + ns).build();
        publisher.publish("news", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(clients(name)).isNotEmpty();
        assertThat(startedSince(before)).as("threads it started").isNotEmpty();

        publisher.close();

        Await.until("no thread started by the publisher left: " + startedSince(before), Duration.ofSeconds(10),
                () -> startedSince(before).isEmpty());
        Await.until("no Redis connection named " + name + " left", Duration.ofSeconds(10), () -> clients(name).isEmpty());
    }

    @Test
    void closingOnePublisherDoesNotWaitForTheThreadsOfAnotherThatKeepsRunning() throws Exception {
        try (SwitchboardPublisher running = builder(namespace()).build()) {
            running.publish("news", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            SwitchboardPublisher closing = builder(namespace()).build();
            closing.publish("news", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);

            long started = System.nanoTime();
            closing.close();

            // Waiting for every Redisson thread of the application would take the 5 s timeout.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            assertThat(running.publish("news", "e", 2).toCompletableFuture().get(10, TimeUnit.SECONDS)).endsWith("-2");
        }
    }

    @Test
    void theFirstPublishRecordsTheDurabilityVerdictOfTheRedisItWritesTo(@TempDir Path dir) throws Exception {
        try (RedisServerProcess durable = RedisServerProcess.startWithAppendOnlyFile("SwitchboardPublisherTest-fsync", dir);
             SwitchboardPublisher toDurable = SwitchboardPublisher.builder().redis(durable.url()).namespace("d").build();
             SwitchboardPublisher toLosable = builder("l").build()) {
            toDurable.publish("first", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
            toLosable.publish("first", "e", 1).toCompletableFuture().get(10, TimeUnit.SECONDS);

            assertThat(durable.command("HGET", "d:{ch:first}:meta", "d")).as("appendfsync always, no replica").isEqualTo("1");
            assertThat(redis.command("HGET", "l:{ch:first}:meta", "d")).as("no persistence").isEqualTo("0");
        }
    }

    private SwitchboardPublisher.Builder builder(String ns) {
        return SwitchboardPublisher.builder().redis(redis.url()).namespace(ns);
    }

    private static String namespace() {
        return "sp" + NAMESPACES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    }

    private List<JsonNode> history(String key) {
        List<?> entries = (List<?>) redis.command("LRANGE", key, "0", "-1");
        // Each entry is "<offset> <envelope>".
        return entries.stream().map(entry -> Json.parse(entry.toString().substring(entry.toString().indexOf(' ') + 1)))
                .collect(Collectors.toList());
    }

    private static long seq(String offset) {
        return Long.parseLong(offset.substring(offset.lastIndexOf('-') + 1));
    }

    private List<?> keys(String pattern) {
        return (List<?>) redis.command("KEYS", pattern);
    }

    /** The lines of CLIENT LIST of the connections named {@code name}. */
    private List<String> clients(String name) {
        String list = (String) redis.command("CLIENT", "LIST");
        return list.lines().filter(line -> line.contains(" name=" + name + " ")).collect(Collectors.toList());
    }

    private static List<String> startedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(thread -> !before.contains(thread))
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }
}
