package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.protocol.Offset;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoalescerTest {
    private final List<List<Bus.Outgoing>> calls = new ArrayList<>();
    private final List<CompletableFuture<List<Offset>>> replies = new ArrayList<>();
    private final Coalescer<Bus.Outgoing, Offset> coalescer = new Coalescer<>(3, 4, "too many publishes waiting", events -> {
        calls.add(events);
        CompletableFuture<List<Offset>> reply = new CompletableFuture<>();
        replies.add(reply);
        return reply;
    });
    private long seq;

    private static List<Bus.Outgoing> events(int count) {
        List<Bus.Outgoing> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Bus.Outgoing(Topic.channel("c"), "{}"));
        }
        return events;
    }

    private void answer(int call) {
        List<Offset> offsets = new ArrayList<>();
        for (int i = 0; i < calls.get(call).size(); i++) {
            offsets.add(new Offset("e", ++seq));
        }
        replies.get(call).complete(offsets);
    }

    @Test
    void aLonePublishGoesOutAtOnce() {
        coalescer.submit(events(1));
        assertThat(calls).hasSize(1);
    }

    @Test
    void publishesWaitingBehindACallShareTheNextOneAndGetTheirOwnOffsets() throws Exception {
        CompletionStage<List<Offset>> first = coalescer.submit(events(1));
        CompletionStage<List<Offset>> second = coalescer.submit(events(1));
        CompletionStage<List<Offset>> third = coalescer.submit(events(2));
        CompletionStage<List<Offset>> fourth = coalescer.submit(events(1));
        assertThat(calls).hasSize(1);
        answer(0);
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1)).hasSize(3); // second + third; fourth would exceed 3
        answer(1);
        answer(2);
        assertThat(first.toCompletableFuture().get()).extracting(Offset::seq).containsExactly(1L);
        assertThat(second.toCompletableFuture().get()).extracting(Offset::seq).containsExactly(2L);
        assertThat(third.toCompletableFuture().get()).extracting(Offset::seq).containsExactly(3L, 4L);
        assertThat(fourth.toCompletableFuture().get()).extracting(Offset::seq).containsExactly(5L);
    }

    @Test
    void aFailedCallFailsEveryPublishInItAndTheNextCallStillGoesOut() {
        coalescer.submit(events(1));
        CompletionStage<List<Offset>> a = coalescer.submit(events(1));
        CompletionStage<List<Offset>> b = coalescer.submit(events(1));
        answer(0);
        replies.get(1).completeExceptionally(new BusUnavailableException("down", null));
        assertThatThrownBy(() -> a.toCompletableFuture().get()).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> b.toCompletableFuture().get()).isInstanceOf(ExecutionException.class);
        coalescer.submit(events(1));
        assertThat(calls).hasSize(3);
    }

    @Test
    void publishesOverTheWaitingBoundFailAtOnceAndRoomComesBackWithTheNextCall() {
        coalescer.submit(events(1)); // in flight, not waiting
        for (int i = 0; i < 4; i++) {
            coalescer.submit(events(1));
        }
        CompletionStage<List<Offset>> over = coalescer.submit(events(1));
        assertThatThrownBy(() -> over.toCompletableFuture().get())
                .hasCauseInstanceOf(BusUnavailableException.class)
                .hasMessageContaining("too many publishes waiting");
        answer(0); // the next call takes 3 of the 4 waiting
        CompletionStage<List<Offset>> next = coalescer.submit(events(1));
        assertThat(next.toCompletableFuture().isCompletedExceptionally()).isFalse();
        assertThat(calls).hasSize(2);
    }

    @Test
    void aScriptThatThrowsFailsTheRequestsOfItsCallAndTheNextRequestStillGoesOut() {
        List<List<String>> reads = new ArrayList<>();
        Coalescer<String, String> throwing = new Coalescer<>(10, 10, "too many", topics -> {
            reads.add(topics);
            if (reads.size() == 1) {
                throw new IllegalStateException("no connection");
            }
            return CompletableFuture.completedFuture(topics);
        });
        CompletionStage<List<String>> failed = throwing.submit(List.of("a"));
        assertThatThrownBy(() -> failed.toCompletableFuture().get()).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(throwing.submit(List.of("b")).toCompletableFuture().getNow(null)).containsExactly("b");
        assertThat(reads).hasSize(2);
    }

    @Test
    void anAnswerOfTheWrongLengthFailsItsCallersInsteadOfWedgingTheCoalescer() {
        coalescer.submit(events(1));
        CompletionStage<List<Offset>> a = coalescer.submit(events(1));
        CompletionStage<List<Offset>> b = coalescer.submit(events(1));
        answer(0);
        replies.get(1).complete(List.of(new Offset("e", 99))); // one offset for a call of two events
        assertThatThrownBy(() -> a.toCompletableFuture().get()).hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.toCompletableFuture().get()).hasCauseInstanceOf(IllegalStateException.class);

        CompletionStage<List<Offset>> c = coalescer.submit(events(1));
        assertThat(calls).as("the next publish still goes out").hasSize(3);
        answer(2);
        assertThat(c.toCompletableFuture().getNow(null)).hasSize(1);
    }

    @Test
    void aCallerWhoseCallbackThrowsDoesNotStopTheNextCall() {
        coalescer.submit(events(1)).thenRun(() -> {
            throw new IllegalStateException("a caller's own failure");
        });
        CompletionStage<List<Offset>> next = coalescer.submit(events(1));
        answer(0);
        assertThat(calls).as("the waiting publish went out after the throwing callback").hasSize(2);
        answer(1);
        assertThat(next.toCompletableFuture().getNow(null)).hasSize(1);
    }
}
