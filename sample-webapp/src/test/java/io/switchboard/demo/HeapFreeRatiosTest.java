package io.switchboard.demo;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

class HeapFreeRatiosTest {
    private final HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    @Test
    void theWorkerKeepsAtMostAFifthOfTheHeapFreeUnlessItsCommandLineSaysOtherwise() {
        VMOption before = hotspot.getVMOption(HeapFreeRatios.MAX);
        HeapFreeRatios.applyUnlessSet();
        if (before.getOrigin() == VMOption.Origin.DEFAULT) {
            assertThat(hotspot.getVMOption(HeapFreeRatios.MIN).getValue()).isEqualTo(HeapFreeRatios.MIN_PERCENT);
            assertThat(hotspot.getVMOption(HeapFreeRatios.MAX).getValue()).isEqualTo(HeapFreeRatios.MAX_PERCENT);
        } else {
            assertThat(hotspot.getVMOption(HeapFreeRatios.MAX).getValue()).isEqualTo(before.getValue());
        }
    }

    @Test
    void ratiosAlreadySetAreLeftAsTheyAre() {
        HeapFreeRatios.applyUnlessSet(); // now set (origin MANAGEMENT) or given on the command line
        String max = hotspot.getVMOption(HeapFreeRatios.MAX).getValue();
        hotspot.setVMOption(HeapFreeRatios.MAX, "30");
        HeapFreeRatios.applyUnlessSet();
        assertThat(hotspot.getVMOption(HeapFreeRatios.MAX).getValue()).isEqualTo("30");
        hotspot.setVMOption(HeapFreeRatios.MAX, max);
    }
}
