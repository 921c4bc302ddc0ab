package io.switchboard.internal.bus;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;

/** The in-process bus decides joins and leaves as the Redis bus does (see {@link PresenceBusContract}). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalPresenceTest extends PresenceBusContract {
    private LocalBus bus;

    @BeforeAll
    void start() {
        bus = new LocalBus(1000, Duration.ofHours(1));
    }

    @AfterAll
    void stop() {
        bus.close();
    }

    @Override
    protected Bus bus() {
        return bus;
    }
}
