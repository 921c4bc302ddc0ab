package io.switchboard.it.containers;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.it.support.ApiClient;
import io.switchboard.it.support.ApiResponse;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.redis.RedisServerProcess;
import io.switchboard.testkit.ws.WsClient;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Undeploy and deploy again in the same (embedded Tomcat) container, with the Redis bus: undeploy closes
 * the open sockets with 1001 and leaves no thread of Switchboard or Redisson and no Redis connection
 * behind; the application deployed again serves as before.
 */
@ExtendWith({ArquillianTomcatPort.class, ArquillianExtension.class})
class RedeployIT {

    private static final String APP = "redeployed";
    private static final String NODE_ID = "arquillian";
    private static final String API_TOKEN = "redeploy-token-" + UUID.randomUUID();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** Started when Arquillian builds the deployment (before any @BeforeAll), whose configuration names it. */
    private static RedisServerProcess redis;

    /** Tomcat's own leak detection, run when an application stops; it logs through java.util.logging. */
    private static final Logger TOMCAT_LEAK_CHECK = Logger.getLogger("org.apache.catalina.loader.WebappClassLoaderBase");

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = APP, managed = false, testable = false)
    static WebArchive redeployedApp() {
        redis = RedisServerProcess.start("RedeployIT-redis");
        return TinyApp.withTomcatContextParams(APP, Map.of(
                "switchboard.redis", redis.url(),
                "switchboard.api-token", API_TOKEN,
                "switchboard.node-id", NODE_ID));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void redeployLeavesNoSwitchboardOrRedissonThreadNorRedisConnectionBehindAndServesAgain() throws IOException {
        Set<Thread> before = moduleThreads();
        boolean deployed = false;
        WsClient open = null;
        ThreadWarnings threadWarnings = new ThreadWarnings();
        TOMCAT_LEAK_CHECK.addHandler(threadWarnings);
        try {
            deployer.deploy(APP);
            deployed = true;
            open = connect();
            exchangeEvent(open, "before the redeploy");
            assertThat(newModuleThreads(before)).as("threads of the deployed module (the check looks at the right names)")
                    .isNotEmpty();
            assertThat(moduleRedisConnections()).as("Redis connections named switchboard:" + NODE_ID).isNotEmpty();

            deployer.undeploy(APP);
            deployed = false;
            assertThat(open.awaitClose(TIMEOUT).code()).as("close code of a socket open during undeploy").isEqualTo(1001);
            awaitNothingLeft(before, "after the first undeploy");

            deployer.deploy(APP);
            deployed = true;
            try (WsClient again = connect()) {
                exchangeEvent(again, "after the redeploy");
            }
            deployer.undeploy(APP);
            deployed = false;
            awaitNothingLeft(before, "after the second undeploy");
            assertThat(threadWarnings.records).as("Tomcat's warnings about threads the application left running").isEmpty();
        } finally {
            TOMCAT_LEAK_CHECK.removeHandler(threadWarnings);
            if (open != null) {
                open.close();
            }
            if (deployed) {
                deployer.undeploy(APP);
            }
        }
    }

    /** Subscribes, publishes through the HTTP API and waits for the event on the socket. */
    private static void exchangeEvent(WsClient client, String text) {
        String channel = "redeploy-" + UUID.randomUUID();
        client.subscribe(channel);
        ApiResponse published = ApiClient.of(server(), API_TOKEN).post("/" + APP + "/switchboard/api/channels/" + channel + "/events",
                "{\"event\":\"note\",\"data\":{\"text\":\"" + text + "\"}}");
        assertThat(published.status()).as("publish %s: %s", text, published).isEqualTo(202);
        JsonNode event = client.awaitEvents(channel, 1, TIMEOUT).get(0);
        assertThat(event.path("data").path("text").asText()).isEqualTo(text);
        assertThat(client.node()).isEqualTo(NODE_ID);
    }

    private static void awaitNothingLeft(Set<Thread> before, String when) {
        Await.until("no Switchboard or Redisson thread " + when, TIMEOUT, () -> newModuleThreads(before),
                List::isEmpty);
        Await.until("no Redis connection of the module " + when, TIMEOUT, RedeployIT::moduleRedisConnections,
                List::isEmpty);
    }

    private static WsClient connect() throws IOException {
        return WsClient.to(server()).prefix("/" + APP + "/switchboard").connect();
    }

    private static URI server() {
        return URI.create("http://127.0.0.1:" + ArquillianTomcatPort.port());
    }

    private static Set<Thread> moduleThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("switchboard-") || thread.getName().startsWith("redisson-"))
                .collect(Collectors.toSet());
    }

    /** Names of the module's threads alive now that were not there before the first deploy. */
    private static List<String> newModuleThreads(Set<Thread> before) {
        return moduleThreads().stream().filter(thread -> !before.contains(thread) && thread.isAlive())
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }

    /** Records Tomcat's "appears to have started a thread named [...] but has failed to stop it" about this application. */
    private static final class ThreadWarnings extends Handler {
        /** The prefix of the threads of Tomcat's utility executor (StandardServer's), which runs background processing. */
        private static final String TOMCAT_UTILITY_THREAD = "Catalina-utility-";

        final List<String> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            String message = String.valueOf(record.getMessage());
            // "... appears to have started a thread named [..] but has failed to stop it", also "a TimerThread named".
            // Tomcat's own utility threads are not the application's. Yet one of them may be named here: the check
            // goes by a thread's context class loader, and the warning caught one running the application context's
            // background processing (StandardContext.backgroundProcess) at the moment of the check.
            if (message.contains("[" + APP + "]") && message.contains("appears to have started a")
                    && !message.contains("named [" + TOMCAT_UTILITY_THREAD)) {
                records.add(record.getLevel() + " " + message);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** {@code CLIENT LIST} lines of the connections the module opened (it names them switchboard:<node>). */
    private static List<String> moduleRedisConnections() {
        return String.valueOf(redis.command("CLIENT", "LIST")).lines()
                .filter(line -> line.contains(" name=switchboard:" + NODE_ID + " "))
                .collect(Collectors.toList());
    }
}
