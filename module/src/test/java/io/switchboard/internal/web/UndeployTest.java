package io.switchboard.internal.web;

import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Undeploy closes connections with 1001 and leaves no thread of Switchboard or Redisson behind. */
class UndeployTest {

    @Test
    void undeployClosesSessionsWithGoingAwayAndStopsEveryThread() throws Exception {
        try (RedisServerProcess redis = RedisServerProcess.start("UndeployTest-redis")) {
            EmbeddedServer server = new EmbeddedServer(Map.of("switchboard.redis", redis.url(),
                    "switchboard.api-token", "undeploy-test-api-token-of-32-bytes", "switchboard.heartbeat", "1000"));
            try (WsClient client = server.ws().origin(null).connect()) {
                client.subscribe("news");
                assertThat(threads()).isNotEmpty();

                server.close();

                assertThat(client.awaitClose().code()).isEqualTo(1001);
                Await.until("no Switchboard or Redisson thread left after undeploy", () -> threads().isEmpty());
            }
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
