package io.switchboard.bench.target;

import io.switchboard.bench.target.JvmThreadCpu.Kind;
import io.switchboard.bench.target.JvmThreadCpu.Sample;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JvmThreadCpuTest {

    @Test
    void hotSpotsCompilerAndCollectorThreadsAreToldFromTheRest() {
        assertThat(JvmThreadCpu.kind("C2 CompilerThre")).isEqualTo(Kind.JIT);
        assertThat(JvmThreadCpu.kind("C1 CompilerThre")).isEqualTo(Kind.JIT);
        assertThat(JvmThreadCpu.kind("GC Thread#1")).isEqualTo(Kind.GC);
        assertThat(JvmThreadCpu.kind("G1 Refine#0")).isEqualTo(Kind.GC);
        assertThat(JvmThreadCpu.kind("G1 Conc#0")).isEqualTo(Kind.GC);
        assertThat(JvmThreadCpu.kind("switchboard-fan")).isEqualTo(Kind.OTHER);
        assertThat(JvmThreadCpu.kind("node")).isEqualTo(Kind.OTHER);
    }

    @Test
    void aThreadNameWithSpacesAndParenthesesIsReadWhole() {
        long tick = 1_000_000L / Proc.CLOCK_TICKS;
        String stat = "4242 (C2 CompilerThre) S 4200 4200 4200 0 -1 4194368 1 0 0 0 30 12 0 0 20 0 42 0 99 0 0";
        String odd = "4243 (a) b (c) S 4200 4200 4200 0 -1 4194368 1 0 0 0 7 1 0 0 20 0 42 0 99 0 0";

        assertThat(JvmThreadCpu.parse(stat)).isEqualTo(new Sample(Kind.JIT, 42 * tick));
        assertThat(JvmThreadCpu.parse(odd)).isEqualTo(new Sample(Kind.OTHER, 8 * tick));
        assertThat(JvmThreadCpu.parse("garbage")).isNull();
    }

    @Test
    void aStepCountsEachThreadsGrowthAndANewThreadFromZero() {
        JvmThreadCpu before = new JvmThreadCpu(Map.of(
                "1/10", new Sample(Kind.JIT, 1_000),
                "1/11", new Sample(Kind.GC, 500),
                "1/12", new Sample(Kind.JIT, 9_000))); // a compiler thread that ends before the next reading
        JvmThreadCpu after = new JvmThreadCpu(Map.of(
                "1/10", new Sample(Kind.JIT, 4_000),
                "1/11", new Sample(Kind.GC, 800),
                "1/13", new Sample(Kind.JIT, 250),
                "1/14", new Sample(Kind.OTHER, 70_000)));

        assertThat(after.micros(Kind.JIT, before)).isEqualTo(3_250);
        assertThat(after.micros(Kind.GC, before)).isEqualTo(300);
        assertThat(after.isJvm()).isTrue();
        assertThat(new JvmThreadCpu(Map.of("2/20", new Sample(Kind.OTHER, 5))).isJvm()).isFalse();
    }
}
