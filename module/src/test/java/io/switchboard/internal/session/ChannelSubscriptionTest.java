package io.switchboard.internal.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import io.switchboard.internal.protocol.CloseCodes;
import io.switchboard.internal.protocol.EventEnvelope;
import io.switchboard.internal.protocol.Frames;
import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.OutboundFrame;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.internal.registry.Delivery;
import io.switchboard.internal.testing.ScriptedContainer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seam between a replay and live events, seen from the client: what a real {@link ClientSession}
 * writes to a scripted container that reads everything at once.
 */
class ChannelSubscriptionTest {
    private static final String E1 = Offset.epochAt(1_000_000, "AAAA");
    private static final String E2 = Offset.epochAt(2_000_000, "BBBB");

    private final Topic topic = Topic.channel("news");
    private final ScriptedContainer client = reading(new ScriptedContainer("s1"));
    private final ClientSession session = new ClientSession(client.transport(), 1_000, Long.MAX_VALUE, Runnable::run);

    private static ScriptedContainer reading(ScriptedContainer container) {
        container.completeInline = true;
        return container;
    }

    private ChannelSubscription subscribing() {
        return new ChannelSubscription(topic, session, 100);
    }

    private Delivery delivery(String epoch, long seq) {
        Offset offset = new Offset(epoch, seq);
        EventEnvelope envelope = new EventEnvelope("e", IntNode.valueOf((int) seq), "n");
        return new Delivery(topic, offset, envelope, OutboundFrame.of(Frames.event(topic.name(), "e", envelope.data(), offset)));
    }

    private List<Delivery> deliveries(String epoch, long from, long to) {
        List<Delivery> page = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            page.add(delivery(epoch, seq));
        }
        return page;
    }

    private static String subscribedFrame(Offset at) {
        return Frames.subscribed("news", at, true, null);
    }

    /** Ends a replay whose first read found the topic at {@code epoch-seq}. */
    private static void goLive(ChannelSubscription subscription, String epoch, long seq) {
        Offset current = new Offset(epoch, seq);
        subscription.goLive(current, subscribedFrame(current));
    }

    private static String event(String epoch, long seq) {
        return "event " + new Offset(epoch, seq);
    }

    private static List<String> events(String epoch, long from, long to) {
        List<String> events = new ArrayList<>();
        for (long seq = from; seq <= to; seq++) {
            events.add(event(epoch, seq));
        }
        return events;
    }

    private static String subscribed(String epoch, long seq) {
        return "subscribed " + new Offset(epoch, seq);
    }

    /** The unsolicited {@code subscribed} with {@code recovered: false} of a lost notice. */
    private static String lostAt(String epoch, long seq) {
        return "subscribed " + new Offset(epoch, seq) + " lost";
    }

    /** What the client received, one short line per frame. */
    private static List<String> received(ScriptedContainer container) {
        return container.written().stream().map(ChannelSubscriptionTest::describe).toList();
    }

    private List<String> received() {
        return received(client);
    }

    private static String describe(JsonNode frame) {
        return switch (frame.path("op").asText()) {
            case "event" -> "event " + frame.path("offset").asText();
            case "subscribed" -> "subscribed " + frame.path("offset").asText()
                    + (frame.path("recovered").asBoolean() ? "" : " lost");
            default -> frame.toString();
        };
    }

    private static List<String> concat(List<String> first, String middle, List<String> last) {
        List<String> all = new ArrayList<>(first);
        all.add(middle);
        all.addAll(last);
        return all;
    }

    @Test
    void aLiveEventHeldBackDuringReplayIsSentOnceAfterIt() {
        ChannelSubscription subscription = subscribing();
        subscription.deliver(delivery(E1, 4)); // published after the replay's first read
        subscription.replayPage(deliveries(E1, 1, 3));
        assertThat(received()).as("held back while replaying").containsExactly(event(E1, 1), event(E1, 2), event(E1, 3));

        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(event(E1, 1), event(E1, 2), event(E1, 3), subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void heldBackEventsTheReplayCoveredAreNotSentTwice() {
        ChannelSubscription subscription = subscribing();
        subscription.deliver(delivery(E1, 2));
        subscription.deliver(delivery(E1, 3));
        subscription.deliver(delivery(E1, 4));
        subscription.replayPage(deliveries(E1, 1, 2));
        subscription.replayPage(deliveries(E1, 3, 3));
        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(event(E1, 1), event(E1, 2), event(E1, 3), subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void heldBackEventsUpToTheOffsetOfTheFirstReadAreDroppedEvenIfNoPageHeldThem() {
        // Events 2 and 3 were trimmed from history before the pages were read: the replay stands
        // for them (the offset it reports covers them), so their live copies are not sent after it.
        ChannelSubscription subscription = subscribing();
        subscription.deliver(delivery(E1, 3));
        subscription.deliver(delivery(E1, 4));
        subscription.replayPage(deliveries(E1, 1, 1));
        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(event(E1, 1), subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void heldBackEventsFollowTheSubscribedFrameInTheOrderTheyArrived() {
        ChannelSubscription subscription = subscribing();
        for (long seq = 4; seq <= 8; seq++) {
            subscription.deliver(delivery(E1, seq));
        }
        goLive(subscription, E1, 3); // a subscribe without since: no pages

        assertThat(received()).isEqualTo(concat(List.of(), subscribed(E1, 3), events(E1, 4, 8)));
    }

    @Test
    void aLiveEventDeliveredTwiceIsSentOnce() {
        ChannelSubscription subscription = subscribing();
        goLive(subscription, E1, 3);
        subscription.deliver(delivery(E1, 4));
        subscription.deliver(delivery(E1, 4));
        subscription.deliver(delivery(E1, 3));

        assertThat(received()).containsExactly(subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void anEventOfAnOlderEpochAfterANewerOneIsDropped() {
        ChannelSubscription subscription = subscribing();
        goLive(subscription, E1, 3);
        subscription.deliver(delivery(E2, 1)); // Redis changed: a newer epoch
        subscription.deliver(delivery(E1, 4)); // stale: the older epoch, though its seq is higher
        subscription.deliver(delivery(E2, 2));

        assertThat(received()).containsExactly(subscribed(E1, 3), event(E2, 1), event(E2, 2));
    }

    @Test
    void anOlderEpochHeldBackBehindANewerOneIsDroppedWhenGoingLive() {
        ChannelSubscription subscription = subscribing();
        subscription.deliver(delivery(E2, 1));
        subscription.deliver(delivery(E1, 9));
        subscription.deliver(delivery(E2, 2));
        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(subscribed(E1, 3), event(E2, 1), event(E2, 2));
    }

    @Test
    void aLostNoticeBeforeLiveIsToldRightAfterSubscribed() {
        ChannelSubscription subscription = subscribing();
        subscription.lost(new Offset(E2, 5)); // the line was lost while the history was read
        subscription.deliver(delivery(E2, 6));
        subscription.replayPage(deliveries(E1, 1, 3));
        assertThat(received()).as("not told before the replay ends").containsExactly(event(E1, 1), event(E1, 2), event(E1, 3));

        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(event(E1, 1), event(E1, 2), event(E1, 3),
                subscribed(E1, 3), lostAt(E2, 5), event(E2, 6));
    }

    @Test
    void aLostNoticeBeforeLiveThatTheReplayWentPastIsNotTold() {
        ChannelSubscription subscription = subscribing();
        subscription.lost(new Offset(E1, 2));
        subscription.replayPage(deliveries(E1, 1, 3));
        goLive(subscription, E1, 3);

        assertThat(received()).containsExactly(event(E1, 1), event(E1, 2), event(E1, 3), subscribed(E1, 3));
    }

    @Test
    void aLostNoticeOnALiveSubscriptionIsToldAtOnceAndOnlyIfItMovesForward() {
        ChannelSubscription subscription = subscribing();
        goLive(subscription, E1, 3);

        subscription.lost(new Offset(E1, 2)); // behind what the client has
        subscription.lost(new Offset(E1, 3)); // where it is
        assertThat(received()).containsExactly(subscribed(E1, 3));

        subscription.lost(new Offset(E2, 7));
        assertThat(received()).containsExactly(subscribed(E1, 3), lostAt(E2, 7));

        subscription.lost(new Offset(E2, 7)); // told already
        subscription.deliver(delivery(E2, 7)); // before where delivery goes on
        subscription.deliver(delivery(E2, 8));
        assertThat(received()).containsExactly(subscribed(E1, 3), lostAt(E2, 7), event(E2, 8));
    }

    @Test
    void aUserTopicIsLiveAtOnceAndItsLostNoticeNamesTheUserChannel() {
        ChannelSubscription subscription = ChannelSubscription.live(Topic.user("alice"), session);
        assertThat(subscription.replaying()).isFalse();

        subscription.lost(new Offset(E1, 5));

        JsonNode notice = client.written().get(0);
        assertThat(notice.path("op").asText()).isEqualTo("subscribed");
        assertThat(notice.path("channel").asText()).isEqualTo("@user");
        assertThat(notice.path("offset").asText()).isEqualTo(E1 + "-5");
        assertThat(notice.path("recovered").asBoolean()).isFalse();
        subscription.deliver(delivery(E1, 6));
        assertThat(received()).containsExactly(lostAt(E1, 5), event(E1, 6));
    }

    @Test
    void anUnsubscribeBeforeLiveWaitsForTheSubscribedFrameAndRunsOnce() {
        ChannelSubscription subscription = subscribing();
        List<List<String>> seenByUnsubscribe = new ArrayList<>();
        assertThat(subscription.deferUnsubscribe(() -> seenByUnsubscribe.add(received()))).isTrue();
        assertThat(subscription.unsubscribing()).isTrue();
        assertThat(seenByUnsubscribe).isEmpty();

        goLive(subscription, E1, 3);
        subscription.runDeferredUnsubscribe();

        assertThat(seenByUnsubscribe).containsExactly(List.of(subscribed(E1, 3)));
        assertThat(subscription.unsubscribing()).isFalse();
    }

    @Test
    void anUnsubscribeOfALiveOrCancelledSubscriptionIsNotDeferred() {
        AtomicInteger runs = new AtomicInteger();
        ChannelSubscription live = subscribing();
        goLive(live, E1, 3);
        assertThat(live.deferUnsubscribe(runs::incrementAndGet)).isFalse();

        ChannelSubscription cancelled = subscribing();
        cancelled.cancel();
        assertThat(cancelled.deferUnsubscribe(runs::incrementAndGet)).isFalse();

        live.runDeferredUnsubscribe();
        cancelled.runDeferredUnsubscribe();
        assertThat(runs).hasValue(0);
        assertThat(live.unsubscribing()).isFalse();
    }

    @Test
    void aDeferredUnsubscribeRunsOnceWhenTheSubscriptionFails() {
        ChannelSubscription subscription = subscribing();
        AtomicInteger runs = new AtomicInteger();
        subscription.deferUnsubscribe(runs::incrementAndGet);

        subscription.runDeferredUnsubscribe(); // the bus subscription or the replay failed
        subscription.runDeferredUnsubscribe();

        assertThat(runs).hasValue(1);
        assertThat(received()).isEmpty();
    }

    @Test
    void cancellingStopsEverythingAndRunsTheCancelHookOnce() {
        ChannelSubscription subscription = subscribing();
        AtomicInteger hookRuns = new AtomicInteger();
        subscription.whenCancelled(hookRuns::incrementAndGet);
        subscription.deliver(delivery(E1, 4));
        subscription.lost(new Offset(E2, 1));
        assertThat(subscription.replaying()).isTrue();

        subscription.cancel();
        subscription.cancel();

        assertThat(hookRuns).hasValue(1);
        assertThat(subscription.replaying()).isFalse();
        assertThat(subscription.replayPage(deliveries(E1, 1, 3))).as("the replay should stop").isFalse();
        goLive(subscription, E1, 3);
        subscription.deliver(delivery(E1, 5));
        subscription.lost(new Offset(E2, 9));
        assertThat(subscription.deferUnsubscribe(() -> { })).isFalse();
        assertThat(received()).isEmpty();
        assertThat(session.isOpen()).isTrue();
    }

    @Test
    void cancellingALiveSubscriptionStopsItsDeliveries() {
        ChannelSubscription subscription = subscribing();
        goLive(subscription, E1, 3);
        subscription.deliver(delivery(E1, 4));

        subscription.cancel();
        subscription.deliver(delivery(E1, 5));
        subscription.lost(new Offset(E2, 1));

        assertThat(received()).containsExactly(subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void aCancelHookGivenAfterTheCancelRunsAtOnce() {
        ChannelSubscription subscription = subscribing();
        subscription.cancel();
        AtomicInteger hookRuns = new AtomicInteger();

        subscription.whenCancelled(hookRuns::incrementAndGet);

        assertThat(hookRuns).hasValue(1);
    }

    @Test
    void aSubscriptionReplaysUntilItGoesLive() {
        ChannelSubscription subscription = subscribing();
        assertThat(subscription.replaying()).isTrue();
        subscription.replayPage(deliveries(E1, 1, 2));
        assertThat(subscription.replaying()).isTrue();

        goLive(subscription, E1, 2);

        assertThat(subscription.replaying()).isFalse();
    }

    @Test
    void holdingBackMoreThanTheLimitClosesTheSessionWithTryAgainLater() {
        ChannelSubscription subscription = new ChannelSubscription(topic, session, 2);
        subscription.deliver(delivery(E1, 4));
        subscription.deliver(delivery(E1, 5));
        assertThat(session.isOpen()).isTrue();

        subscription.deliver(delivery(E1, 6));

        assertThat(session.isOpen()).isFalse();
        assertThat(client.closedWith.getCloseCode().getCode()).isEqualTo(CloseCodes.TRY_AGAIN_LATER);
        assertThat(client.closedWith.getReasonPhrase()).contains("news");
        goLive(subscription, E1, 3);
        assertThat(received()).as("nothing goes out on a closing session").isEmpty();
    }

    @Test
    void framesAreWrittenAfterTheSubscriptionsLockIsReleased() throws Exception {
        ChannelSubscription subscription = subscribing();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean blocked = new AtomicBoolean();
        client.duringSend = () -> {
            if (blocked.compareAndSet(false, true)) { // the first write: the subscribed frame
                writing.countDown();
                await(release);
            }
        };
        Thread goingLive = new Thread(() -> goLive(subscription, E1, 3), "going-live");
        goingLive.start();
        try {
            assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();

            // The socket write of goLive is stuck; a live event on another thread still gets through.
            CompletableFuture.runAsync(() -> subscription.deliver(delivery(E1, 4))).get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            goingLive.join(10_000);
        }

        assertThat(goingLive.isAlive()).isFalse();
        assertThat(received()).containsExactly(subscribed(E1, 3), event(E1, 4));
    }

    @Test
    void liveEventsRacingTheReplayAreEachSentOnceAndInOrder() throws Exception {
        // Whichever way the live thread and the replay interleave, the client sees the same thing.
        for (int round = 0; round < 50; round++) {
            ScriptedContainer container = reading(new ScriptedContainer("race-" + round));
            ClientSession racing = new ClientSession(container.transport(), 1_000, Long.MAX_VALUE, Runnable::run);
            ChannelSubscription subscription = new ChannelSubscription(topic, racing, 100);
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread live = new Thread(() -> {
                try {
                    await(start);
                    for (long seq = 1; seq <= 60; seq++) {
                        subscription.deliver(delivery(E1, seq));
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "live-" + round);
            live.start();
            start.countDown();
            subscription.replayPage(deliveries(E1, 1, 10));
            subscription.replayPage(deliveries(E1, 11, 20));
            goLive(subscription, E1, 20);
            live.join(10_000);

            assertThat(live.isAlive()).isFalse();
            assertThat(failure.get()).isNull();
            assertThat(received(container)).as("round %d", round)
                    .isEqualTo(concat(events(E1, 1, 20), subscribed(E1, 20), events(E1, 21, 60)));
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void whatFollowsGoingLiveRunsRightAfterSubscribedIsQueuedOrAtOnceIfLiveAlready() {
        ChannelSubscription subscription = subscribing();
        List<List<String>> seenByHook = new ArrayList<>();
        subscription.afterLive(() -> seenByHook.add(received()));
        assertThat(seenByHook).isEmpty();

        goLive(subscription, E1, 3);
        subscription.afterLive(() -> seenByHook.add(received()));

        assertThat(seenByHook).containsExactly(List.of(subscribed(E1, 3)), List.of(subscribed(E1, 3)));
    }

    @Test
    void whatFollowsGoingLiveNeverRunsForACancelledSubscription() {
        ChannelSubscription subscription = subscribing();
        AtomicInteger runs = new AtomicInteger();
        subscription.afterLive(runs::incrementAndGet);

        subscription.cancel();
        goLive(subscription, E1, 3);
        subscription.afterLive(runs::incrementAndGet);

        assertThat(runs).hasValue(0);
    }
}
