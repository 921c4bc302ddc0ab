package io.switchboard.bench;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One measured row: a system, a scenario, one rate step (or one connect round). Latencies in milliseconds,
 * CPU in microseconds, memory in KiB. Figures that do not apply to the scenario stay {@code null}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Result {
    public String system;
    public String scenario;
    public int nodes;
    public int clients;
    public Double rate;
    public Integer batch;

    public Long published;
    public Long publishFailed;
    public Long unpublished;
    public Long expected;
    public Long delivered;
    public Long lost;
    public Long duplicates;
    public Long outOfOrder;
    public Long stale;
    public Long unexpected;
    public Double seconds;
    public Double publishedPerSecond;
    public Double deliveredPerSecond;

    public Double p50;
    public Double p90;
    public Double p99;
    public Double p999;
    public Double max;
    public Double httpP99;

    public Double serverCpuMicros;
    public Double redisCpuMicros;
    /** Of serverCpuMicros, what the JVMs' JIT compiler threads and garbage collector threads took (null: no JVM). */
    public Double serverJitMicros;
    public Double serverGcMicros;
    /** With several Redis processes (a Redis Cluster's masters): each one's share of redisCpuMicros. */
    public java.util.List<Double> redisCpuMicrosEach;
    /**
     * The shared Redis's own counters over the step, per published event: socket reads (about one per wake-up),
     * commands (those run by scripts included) and time in script calls (µs); see {@code RedisCounters}.
     */
    public Double redisReadsPerEvent;
    public Double redisCommandsPerEvent;
    public Double redisScriptMicrosPerEvent;
    public Double generatorCpuMicros;
    public Double serverCpuPerDelivery;
    public Double redisCpuPerDelivery;

    public Double connectPerSecond;
    public Double rssPerConnectionKb;
    public Double heapPerConnectionKb;
    public Double serverCpuPerConnection;
    /** The second, warm connect burst of {@code connections} (after every client of the first one closed). */
    public Double warmConnectPerSecond;
    public Integer warmConnectFailures;
    public Double warmServerCpuPerConnection;
    /**
     * {@code connections}, warm burst: RSS and heap per connection between half and all of the clients connected,
     * the cost of one more idle connection once one-time costs (JIT, class loading, the heap's first growth) are paid.
     */
    public Double marginalRssPerConnectionKb;
    public Double marginalHeapPerConnectionKb;
    public Double rssBeforeMb;
    public Double rssAfterMb;
    public Double heapBeforeMb;
    public Double heapAfterMb;

    public Double localP50;
    public Double remoteP50;
    public Double localP99;
    public Double remoteP99;
    public Double addedP50;

    public Integer connectFailures;
    public Long disconnects;
    public Long protocolErrors;
    public String notes;

    /** Nothing lost or duplicated, nothing left unpublished, and p99 within {@code p99Limit} ms. */
    public boolean held(double p99Limit) {
        return p99 != null && p99 <= p99Limit && zero(lost) && zero(duplicates) && zero(unpublished)
                && zero(publishFailed) && delivered != null && delivered > 0;
    }

    private static boolean zero(Long value) {
        return value == null || value == 0;
    }
}
