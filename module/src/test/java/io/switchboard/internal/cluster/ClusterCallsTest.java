package io.switchboard.internal.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.internal.bus.LocalBus;
import io.switchboard.internal.core.Timeouts;
import io.switchboard.internal.protocol.ErrorCode;
import io.switchboard.internal.protocol.Json;
import io.switchboard.internal.protocol.Refusal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requests between nodes over the bus (here the in-process bus, where this node is the cluster). */
class ClusterCallsTest {
    private final LocalBus bus = new LocalBus(10, Duration.ofMinutes(1));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService handlers = Executors.newSingleThreadExecutor();
    private final ClusterCalls calls = new ClusterCalls(bus, "n1", handlers, new Timeouts(timer),
            () -> CompletableFuture.completedFuture(Set.of("n1")));

    @AfterEach
    void stop() {
        bus.close();
        timer.shutdownNow();
        handlers.shutdownNow();
    }

    @Test
    void aCallIsAnsweredByTheHandlerOfItsOpOnTheNodeItNames() throws Exception {
        calls.on("echo", args -> CompletableFuture.completedFuture(args));
        calls.start();

        ClusterCalls.Answer answer = calls.call("n1", "echo", Json.MAPPER.readTree("{\"x\":1}"))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(answer.ok()).isTrue();
        assertThat(answer.node()).isEqualTo("n1");
        assertThat(answer.result().path("x").asInt()).isEqualTo(1);
    }

    @Test
    void aCallToEveryNodeCompletesOnceEveryLiveNodeAnswered() throws Exception {
        calls.on("who", args -> CompletableFuture.completedFuture(Json.MAPPER.getNodeFactory().textNode("me")));
        calls.start();

        Map<String, ClusterCalls.Answer> answers = calls.callAll("who", null).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(answers).containsOnlyKeys("n1");
        assertThat(answers.get("n1").result().asText()).isEqualTo("me");
    }

    @Test
    void refusalsAndFailuresOfAHandlerAreAnsweredAsErrorsWithoutInternals() throws Exception {
        calls.on("refuse", args -> {
            throw new Refusal(ErrorCode.FORBIDDEN, "not you");
        });
        calls.on("fail", args -> CompletableFuture.failedFuture(new IllegalStateException("secret detail")));
        calls.start();

        ClusterCalls.Answer refused = calls.call("n1", "refuse", null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        ClusterCalls.Answer failed = calls.call("n1", "fail", null).toCompletableFuture().get(5, TimeUnit.SECONDS);
        ClusterCalls.Answer unknown = calls.call("n1", "no-such-op", null).toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(refused.error()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(refused.message()).isEqualTo("not you");
        assertThat(failed.error()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(failed.message()).doesNotContain("secret detail");
        assertThat(unknown.error()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void aNodeThatDoesNotAnswerIsNotFoundAfterTheWait() {
        calls.start();
        CompletableFuture<ClusterCalls.Answer> call = calls.call("gone", "echo", null).toCompletableFuture();
        assertThatThrownBy(() -> call.get(ClusterCalls.ANSWER_WAIT + 5_000, TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(Refusal.class)
                .extracting(e -> ((Refusal) e).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void messagesThatAreNotCallsAreIgnored() throws Exception {
        calls.on("echo", args -> CompletableFuture.completedFuture(args));
        calls.start();
        bus.sendToAll("not json").toCompletableFuture().get(5, TimeUnit.SECONDS);
        bus.sendToAll("{\"call\":1}").toCompletableFuture().get(5, TimeUnit.SECONDS);
        bus.sendToAll("[]").toCompletableFuture().get(5, TimeUnit.SECONDS);

        JsonNode echoed = calls.call("n1", "echo", Json.MAPPER.getNodeFactory().numberNode(7))
                .toCompletableFuture().get(5, TimeUnit.SECONDS).result();
        assertThat(echoed.asInt()).isEqualTo(7);
    }
}
