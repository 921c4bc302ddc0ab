package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.Artifacts;
import io.switchboard.it.support.ClusterFixture;
import io.switchboard.it.support.Offset;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.process.ChildProcess;
import io.switchboard.testkit.process.LogFile;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone publisher in a process of its own: a plain JVM whose class path is the module jar
 * and the module's runtime dependencies and nothing else (no servlet or WebSocket API, no
 * container), configured by {@code -Dswitchboard.*} properties, publishes to a channel, a user and a
 * batch twice with one idempotency key. Clients on both nodes of a 2-node cluster receive it all in
 * order, with contiguous offsets; the repeated batch is published once.
 *
 * <p>The class path is the one the module's build writes to {@code module/target/runtime-classpath.txt}
 * ({@code dependency:build-classpath}, runtime scope), behind the module jar. The publishing program
 * is {@code src/standalone/java/.../PublishFromPlainJvm.java}, run as a single source file
 * ({@code java -cp <that class path> PublishFromPlainJvm.java}), so it is compiled against that class
 * path too.
 */
class StandalonePublisherIT {

    private static final int EVENTS = 50;
    private static final String ORIGIN = "standalone-it";
    private static final Duration PUBLISHER_RUN = Duration.ofSeconds(90);
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    static final ClusterFixture cluster = ClusterFixture.of(2);

    @Test
    void theModulesRuntimeClassPathHoldsNeitherTheServletNorTheWebSocketApi() throws IOException {
        List<Path> classPath = publisherClassPath();

        assertThat(classPath).allSatisfy(entry -> assertThat(entry).isRegularFile());
        assertThat(classPath).extracting(entry -> entry.getFileName().toString())
                .anyMatch(name -> name.startsWith("redisson-"))
                .anyMatch(name -> name.startsWith("jackson-databind-"))
                .noneMatch(name -> name.startsWith("jakarta.servlet") || name.startsWith("jakarta.websocket")
                        || name.startsWith("tomcat-"));
        for (Path jar : classPath) {
            try (JarFile contents = new JarFile(jar.toFile())) {
                assertThat(contents.getEntry("jakarta/servlet/ServletContext.class")).as("servlet API in %s", jar).isNull();
                assertThat(contents.getEntry("jakarta/websocket/Session.class")).as("WebSocket API in %s", jar).isNull();
            }
        }
    }

    @Test
    void aPlainJvmPublishesToClientsOnBothNodesInOrderWithContiguousOffsetsAndARepeatedBatchOnce() {
        String suffix = Long.toHexString(System.nanoTime());
        String channel = "standalone." + suffix;
        String user = "batch-user-" + suffix;
        List<WsClient> subscribers = List.of(cluster.connect(1, user), cluster.connect(2, user));
        assertThat(subscribers).extracting(WsClient::node).containsExactly("node-1", "node-2");
        Map<WsClient, Offset> subscribedAt = new HashMap<>();
        for (WsClient client : subscribers) {
            subscribedAt.put(client, Offset.parse(client.subscribe(channel).path("offset").asText()));
        }
        // A user's stream is subscribed on the bus by each node holding a session of the user, after the welcome.
        Await.until("both nodes subscribed to " + user + "'s stream", DELIVERY_TIMEOUT,
                () -> cluster.redis().subscriberCount("switchboard:u:" + user) == 2);

        Map<String, List<String>> printed = runPublisher(channel, user, "batch-" + suffix);

        assertThat(printed.get("class")).as("APIs the publisher's JVM could load")
                .containsExactly("jakarta.servlet.ServletContext", "absent", "jakarta.websocket.Session", "absent");
        assertThat(printed.get("node")).containsExactly(ORIGIN);
        List<String> channelOffsets = printed.get("channel-offsets");
        List<String> userOffsets = printed.get("user-offsets");
        List<String> batch = printed.get("batch-first");
        assertThat(channelOffsets).hasSize(EVENTS);
        assertThat(userOffsets).hasSize(EVENTS);
        assertThat(batch).hasSize(3);
        assertThat(printed.get("batch-repeat")).as("offsets answered to the repeated batch").isEqualTo(batch);

        // Fences published after the publisher is gone: whatever arrives before them is all it published.
        String fence = UUID.randomUUID().toString();
        cluster.node(1).api().publishAccepted(channel, "fence", Map.of("fence", fence));
        assertThat(cluster.node(2).api().publishToUser(user, "fence", Map.of("fence", fence)).status()).isEqualTo(202);
        List<String> expectedChannelOffsets = concat(channelOffsets, batch.subList(0, 2));
        List<String> expectedUserOffsets = concat(userOffsets, batch.subList(2, 3));
        for (WsClient client : subscribers) {
            client.awaitFrame(frame -> channel.equals(frame.path("channel").asText())
                    && fence.equals(frame.path("data").path("fence").asText()), DELIVERY_TIMEOUT);
            client.awaitFrame(frame -> "@user".equals(frame.path("channel").asText())
                    && fence.equals(frame.path("data").path("fence").asText()), DELIVERY_TIMEOUT);

            List<JsonNode> onChannel = withoutFence(client.events(channel));
            assertThat(onChannel).extracting(e -> e.path("event").asText() + ":" + e.path("data"))
                    .as("channel events received by %s", client).containsExactlyElementsOf(expectedChannelEvents());
            assertThat(onChannel).extracting(e -> e.path("offset").asText()).as("channel offsets received by %s", client)
                    .containsExactlyElementsOf(expectedChannelOffsets);
            assertContiguousAfter(subscribedAt.get(client), expectedChannelOffsets, "channel offsets of " + client);

            List<JsonNode> toUser = withoutFence(client.events("@user"));
            assertThat(toUser).extracting(e -> e.path("event").asText() + ":" + e.path("data"))
                    .as("user events received by %s", client).containsExactlyElementsOf(expectedUserEvents());
            assertThat(toUser).extracting(e -> e.path("offset").asText()).as("user offsets received by %s", client)
                    .containsExactlyElementsOf(expectedUserOffsets);
        }
        assertContiguous(expectedUserOffsets, "user stream offsets");

        JsonNode history = cluster.node(2).api().get("/switchboard/api/channels/" + channel + "/history?limit=100").json();
        assertThat(history.path("events")).extracting(e -> e.path("node").asText())
                .as("origins in the channel's history").containsOnly(ORIGIN, "node-1");
    }

    /** Runs the publishing program to its end; returns its output lines by first word. */
    private Map<String, List<String>> runPublisher(String channel, String user, String idempotencyKey) {
        String classPath = publisherClassPath().stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        Path source = standaloneSources().resolve("io/switchboard/it/standalone/PublishFromPlainJvm.java");
        List<String> command = List.of(Artifacts.java(), "-Xmx128m",
                "-Dswitchboard.redis=" + cluster.redis().url(), "-Dswitchboard.node-id=" + ORIGIN,
                "-cp", classPath, source.toString(), channel, user, Integer.toString(EVENTS), idempotencyKey);
        LogFile log = LogFile.named("StandalonePublisherIT-publisher");
        try (ChildProcess publisher = ChildProcess.start("standalone publisher", command, log)) {
            // It returns from main after close(): a thread close() left running would keep the JVM from exiting.
            assertThat(publisher.waitFor(PUBLISHER_RUN)).as("the publisher's JVM exited by itself within %s; log %s:\n%s",
                    PUBLISHER_RUN, log, log.tail(40)).isTrue();
            assertThat(publisher.exitValue()).as("exit code; log %s:\n%s", log, log.tail(40)).isZero();
        }
        String output = log.text();
        assertThat(output).as("log %s", log).contains("\nclosed");
        Map<String, List<String>> lines = new HashMap<>();
        output.lines().map(line -> line.split(" ")).filter(words -> words.length > 1)
                .forEach(words -> lines.computeIfAbsent(words[0], k -> new ArrayList<>())
                        .addAll(Arrays.asList(words).subList(1, words.length)));
        return lines;
    }

    private static List<String> expectedChannelEvents() {
        List<String> events = IntStream.range(0, EVENTS).mapToObj(n -> "tick:{\"n\":" + n + "}").collect(Collectors.toList());
        events.add("batch:{\"part\":1}");
        events.add("batch:{\"part\":2}");
        return events;
    }

    private static List<String> expectedUserEvents() {
        List<String> events = IntStream.range(0, EVENTS).mapToObj(n -> "note:{\"n\":" + n + "}").collect(Collectors.toList());
        events.add("batch:{\"part\":3}");
        return events;
    }

    private static List<JsonNode> withoutFence(List<JsonNode> events) {
        return events.stream().filter(e -> !"fence".equals(e.path("event").asText())).collect(Collectors.toList());
    }

    /** The offsets follow {@code subscribed} one by one (a channel nobody had published to answers a marker). */
    private static void assertContiguousAfter(Offset subscribed, List<String> offsets, String what) {
        Offset first = Offset.parse(offsets.get(0));
        boolean fresh = subscribed.seq() == 0 && subscribed.epoch().endsWith("NONE");
        assertThat(first).as("first of the %s after %s", what, subscribed)
                .isEqualTo(new Offset(fresh ? first.epoch() : subscribed.epoch(), subscribed.seq() + 1));
        assertContiguous(offsets, what);
    }

    private static void assertContiguous(List<String> offsets, String what) {
        Offset first = Offset.parse(offsets.get(0));
        for (int i = 0; i < offsets.size(); i++) {
            assertThat(Offset.parse(offsets.get(i))).as("%s, number %d", what, i)
                    .isEqualTo(new Offset(first.epoch(), first.seq() + i));
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** The module jar, then the module's runtime dependencies as its build listed them. */
    private static List<Path> publisherClassPath() {
        Path listing = existing("switchboard.moduleClasspath", "../module/target/runtime-classpath.txt");
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("switchboard.moduleJar", "../module/target/switchboard-0.1.0-SNAPSHOT.jar"));
        try {
            String text = Files.readString(listing, StandardCharsets.UTF_8).trim();
            Arrays.stream(text.split(File.pathSeparator)).filter(entry -> !entry.isBlank()).map(Paths::get)
                    .forEach(classPath::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return classPath;
    }

    private static Path standaloneSources() {
        return Paths.get(System.getProperty("switchboard.standaloneSources", "src/standalone/java")).toAbsolutePath();
    }

    private static Path existing(String property, String fallback) {
        Path path = Paths.get(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        assertThat(path).as("%s (build the module first: mvn -pl module package)", property).isRegularFile();
        return path;
    }
}
