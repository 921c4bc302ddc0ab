package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.it.support.DemoLauncherProcess;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.Json;
import io.switchboard.testkit.ws.WsClient;
import io.switchboard.testkit.ws.WsClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo as a user runs it: {@code java -jar switchboard-demo.jar --nodes 3}, with its own embedded
 * Redis. A form posted to one worker's {@code /trigger} reaches a WebSocket held by another worker; a
 * SIGTERM to the launcher takes every process it started down with it, and so does a SIGKILL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoLauncherIT {

    private static final String API_TOKEN = "demo-launcher-it-api-token-of-32-bytes";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private DemoLauncherProcess launcher;
    private List<URI> workers;
    private int basePort;
    private final WsClients clients = new WsClients();

    @BeforeAll
    void startLauncher() {
        basePort = FreePorts.consecutive(3);
        launcher = DemoLauncherProcess.start("DemoLauncherIT-launcher",
                "--nodes", "3", "--port", Integer.toString(basePort), "--api-token", API_TOKEN);
        workers = launcher.awaitReady(READY_TIMEOUT);
    }

    @AfterEach
    void closeClients() {
        clients.close();
    }

    @AfterAll
    void stopLauncher() {
        if (launcher != null) {
            launcher.close();
        }
    }

    @Test
    @Order(1)
    void readyLineNamesOneHealthyWorkerPerNodeOnConsecutivePorts() {
        assertThat(workers).hasSize(3);
        assertThat(workers).extracting(URI::getPort).containsExactly(basePort, basePort + 1, basePort + 2);
        assertThat(workers).extracting(uri -> ApiClient.of(uri, null).health().status()).containsOnly(200);
        assertThat(workers).extracting(this::nodeIdOf).doesNotHaveDuplicates();
        assertThat(launcher.descendants()).as("processes started by the launcher").hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    @Order(2)
    void messageTriggeredOnWorkerThreeArrivesOverWebSocketOnWorkerOne() {
        WsClient onWorker1 = clients.connect(WsClient.to(workers.get(0)));
        onWorker1.subscribe("news");
        String worker3 = nodeIdOf(workers.get(2));
        assertThat(onWorker1.node()).isEqualTo(nodeIdOf(workers.get(0))).isNotEqualTo(worker3);

        ApiResponse triggered = ApiClient.of(workers.get(2), null).postForm("/trigger", Map.of("message", "hello"));

        assertThat(triggered.status()).as("trigger answer %s", triggered).isBetween(200, 299);
        assertThat(triggered.json().path("node").asText()).as("node named by the trigger answer").isEqualTo(worker3);
        JsonNode event = onWorker1.awaitFrame(frame -> "event".equals(frame.path("op").asText())
                && "news".equals(frame.path("channel").asText())
                && "hello".equals(frame.path("data").path("message").asText()), TIMEOUT);
        assertThat(event.path("data").path("node").asText()).isEqualTo(worker3);
        assertThat(event.path("offset").asText()).isEqualTo(triggered.json().path("offset").asText());
    }

    @Test
    @Order(2)
    void theTriggerRefusesCrossSitePostsAndPublishesNothing() {
        WsClient onWorker1 = clients.connect(WsClient.to(workers.get(0)));
        onWorker1.subscribe("news");
        ApiClient worker2 = ApiClient.of(workers.get(1), null);
        String ownOrigin = "http://" + workers.get(1).getHost() + ":" + workers.get(1).getPort();

        List<Map<String, String>> foreign = List.of(
                Map.of("Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"),
                Map.of("Origin", "https://evil.example"),
                Map.of("Origin", ownOrigin, "Sec-Fetch-Site", "same-site"),
                Map.of("Origin", "null"));
        for (Map<String, String> headers : foreign) {
            java.net.http.HttpResponse<String> refused = worker2.postForm("/trigger", Map.of("message", "forged"), headers);
            assertThat(refused.statusCode()).as("trigger with %s", headers).isEqualTo(403);
        }
        java.net.http.HttpResponse<String> own = worker2.postForm("/trigger", Map.of("message", "from the page"),
                Map.of("Origin", ownOrigin, "Sec-Fetch-Site", "same-origin"));
        assertThat(own.statusCode()).isEqualTo(200);

        onWorker1.awaitFrame(frame -> "from the page".equals(frame.path("data").path("message").asText()), TIMEOUT);
        assertThat(onWorker1.events("news")).extracting(event -> event.path("data").path("message").asText())
                .doesNotContain("forged");
    }

    @Test
    @Order(2)
    void aDemoLoginIdentifiesTheSocketAndItsLogoutClosesItWith4401() throws Exception {
        URI worker = workers.get(0);
        ApiClient api = ApiClient.of(worker, null);
        Map<String, String> sameOrigin = Map.of("Origin", "http://" + worker.getHost() + ":" + worker.getPort());
        java.net.http.HttpResponse<String> login = api.postForm("/login", Map.of("user", "alice", "password", "demo"), sameOrigin);
        assertThat(login.statusCode()).as("login answer %s", login.body()).isEqualTo(200);
        List<String> cookies = login.headers().allValues("Set-Cookie");
        String last = cookies.get(cookies.size() - 1); // the session id after login (changed on authentication)
        String session = last.substring(0, last.indexOf(';'));

        WsClient alice = clients.connect(WsClient.to(worker).cookie(session));
        WsClient anonymous = clients.connect(WsClient.to(worker));
        assertThat(alice.user()).isEqualTo("alice");
        assertThat(alice.subscribe("private-alice").path("op").asText()).isEqualTo("subscribed");
        assertThat(alice.request(Json.object().put("op", "subscribe").put("channel", "private-bob")).path("code").asText())
                .as("another user's channel").isEqualTo("forbidden");

        java.net.http.HttpResponse<String> logout = api.postForm("/logout", Map.of(),
                Map.of("Origin", sameOrigin.get("Origin"), "Cookie", session));
        assertThat(logout.statusCode()).isEqualTo(200);

        assertThat(alice.awaitClose(TIMEOUT).code()).isEqualTo(4401);
        assertThat(anonymous.ping().path("op").asText()).isEqualTo("pong");
    }

    @Test
    @Order(3)
    void sigtermToTheLauncherStopsEveryProcessItStarted() {
        List<ProcessHandle> started = launcher.descendants();
        assertThat(started).isNotEmpty();

        launcher.stop(TIMEOUT);

        Await.until("every process started by the launcher to exit", TIMEOUT,
                () -> started.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    @Order(4)
    void sigkillToTheLauncherStillStopsItsWorkersAndItsRedis() {
        int port = FreePorts.consecutive(1);
        // No secrets given: the launcher generates both (API token and client token secret) and still starts.
        try (DemoLauncherProcess killed = DemoLauncherProcess.start("DemoLauncherIT-killed-launcher",
                "--nodes", "1", "--port", Integer.toString(port))) {
            killed.awaitReady(READY_TIMEOUT);
            List<ProcessHandle> started = killed.descendants();
            assertThat(started).as("processes started by the launcher")
                    .anyMatch(p -> p.info().command().orElse("").contains("redis"));

            killed.kill();

            Await.until("the worker and the embedded Redis to exit after the launcher was killed", TIMEOUT,
                    () -> started.stream().noneMatch(ProcessHandle::isAlive));
        }
    }

    private String nodeIdOf(URI worker) {
        return ApiClient.of(worker, null).health().json().path("node").asText();
    }
}
