package io.switchboard.internal.web;

import io.switchboard.internal.bus.RedisProcessAccess;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Undeploy closes connections with 1001 and leaves no thread of Switchboard or Redisson behind. */
class UndeployTest {

    @Test
    void undeployClosesSessionsWithGoingAwayAndStopsEveryThread() throws Exception {
        try (var redis = RedisProcessAccess.start()) {
            EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.redis", redis.url(),
                    "switchboard.api-token", "undeploy-test-api-token-of-32-bytes", "switchboard.heartbeat", "1000"));
            TestClient client = new TestClient("ws://127.0.0.1:" + server.port() + "/switchboard/ws", null);
            client.await(TestClient.op("welcome"));
            client.send("{\"op\":\"subscribe\",\"channel\":\"news\"}");
            client.await(TestClient.op("subscribed"));
            assertThat(threads()).isNotEmpty();

            server.close();

            assertThat(client.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
            long deadline = System.currentTimeMillis() + 10_000;
            while (!threads().isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(threads()).as("threads left after undeploy").isEmpty();
        }
    }

    private static List<String> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(name -> name.startsWith("switchboard-") || name.startsWith("redisson-"))
                .toList();
    }
}
