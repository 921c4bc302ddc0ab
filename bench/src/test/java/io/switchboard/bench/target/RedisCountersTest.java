package io.switchboard.bench.target;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RedisCountersTest {

    @Test
    void scriptTimeSumsTheScriptCommandsAndNothingElse() {
        Map<String, String> stats = Map.of(
                "cmdstat_evalsha", "calls=9208,usec=1166490,usec_per_call=126.68,rejected_calls=0,failed_calls=0",
                "cmdstat_evalsha_ro", "calls=2,usec=20,usec_per_call=10.00,rejected_calls=0,failed_calls=0",
                "cmdstat_publish", "calls=20010,usec=14135,usec_per_call=0.71,rejected_calls=0,failed_calls=0",
                "cmdstat_rpush", "calls=40000,usec=112274,usec_per_call=2.81,rejected_calls=0,failed_calls=0");

        assertThat(RedisCounters.scriptMicros(stats)).isEqualTo(1166510);
    }

    @Test
    void aRedisThatRanNoScriptSpentNoTimeInScripts() {
        assertThat(RedisCounters.scriptMicros(Map.of("cmdstat_publish", "calls=3,usec=9,usec_per_call=3.00"))).isZero();
    }

    @Test
    void aStepIsTheDifferenceOfTwoReadings() {
        RedisCounters before = new RedisCounters(100, 1_000, 5_000);
        RedisCounters after = new RedisCounters(350, 4_000, 9_500);

        assertThat(after.since(before)).isEqualTo(new RedisCounters(250, 3_000, 4_500));
    }
}
