package io.switchboard.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class StopSignalsTest {

    @Test
    void stopRunsOnceAndASecondRequestWaitsForTheFirstToFinish() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch mayFinish = new CountDownLatch(1);
        Runnable stop = StopSignals.once(() -> {
            runs.incrementAndGet();
            stopping.countDown();
            await(mayFinish);
        });
        Thread first = new Thread(stop);
        first.start();
        assertThat(stopping.await(5, TimeUnit.SECONDS)).isTrue();

        Thread second = new Thread(stop);
        second.start();
        second.join(200);
        assertThat(second.isAlive()).as("second request returns before the first stop finished").isTrue();

        mayFinish.countDown();
        first.join(5000);
        second.join(5000);
        assertThat(second.isAlive()).isFalse();
        assertThat(runs).hasValue(1);
    }

    @Test
    @Timeout(5)
    void aFailingStopStillReleasesLaterRequests() {
        Logger log = Logger.getLogger(StopSignals.class.getName());
        Level level = log.getLevel();
        log.setLevel(Level.OFF); // the failure is expected here: keep its stack trace out of the build output
        try {
            Runnable stop = StopSignals.once(() -> {
                throw new IllegalStateException("boom");
            });

            stop.run();
            stop.run();
        } finally {
            log.setLevel(level);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
