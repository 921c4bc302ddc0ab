package io.switchboard.bench.load;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * One measured period (a scenario at one rate). Events carry the phase id; clients count an event only for the
 * phase it was published in, so a late event of the previous step never pollutes the next one.
 *
 * <p>Thread-safe: written by every client event loop.
 */
public final class Phase {
    private final int id;
    private final boolean byParity;
    private final Recorder latency = new Recorder(3);
    private final Recorder latencyOdd = new Recorder(3);
    final LongAdder delivered = new LongAdder();
    final LongAdder stale = new LongAdder();
    final LongAccumulator lastDeliveryNanos = new LongAccumulator(Long::max, 0);

    /**
     * @param byParity keep even and odd sequence numbers in separate histograms (the hop scenario publishes
     *                 even events on one node and odd ones on another)
     */
    public Phase(int id, boolean byParity) {
        this.id = id;
        this.byParity = byParity;
    }

    public int id() {
        return id;
    }

    void record(long seq, long latencyMicros) {
        long value = Math.max(1, latencyMicros);
        if (byParity && (seq & 1) == 1) {
            latencyOdd.recordValue(value);
        } else {
            latency.recordValue(value);
        }
        delivered.increment();
        lastDeliveryNanos.accumulate(System.nanoTime());
    }

    public long delivered() {
        return delivered.sum();
    }

    public long stale() {
        return stale.sum();
    }

    public long lastDeliveryNanos() {
        return lastDeliveryNanos.get();
    }

    /** Every latency recorded (both parities), in microseconds. Call once, at the end of the phase. */
    public Histogram[] latencies() {
        Histogram even = latency.getIntervalHistogram();
        Histogram odd = latencyOdd.getIntervalHistogram();
        Histogram all = even.copy();
        all.add(odd);
        return new Histogram[] {all, even, odd};
    }
}
