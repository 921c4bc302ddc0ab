package io.switchboard.demo;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

import java.lang.management.ManagementFactory;
import java.util.logging.Logger;

/**
 * Lets G1 give back to the system the heap a burst of connections made it grow into.
 *
 * <p>A burst of handshakes allocates mostly garbage, and G1 grows the heap to absorb it; with the JVM's
 * defaults ({@code -XX:MinHeapFreeRatio=40 -XX:MaxHeapFreeRatio=70}) it keeps up to 70 % of the heap free
 * after a collection that could shrink it, so a server holding thousands of idle sockets keeps two to three
 * times their heap resident. With 10 and 20 it keeps at most a fifth free (bench/run, connections scenario:
 * about 28 KiB of RSS per idle connection instead of about 50 with the same 20 KiB of heap). Both flags are
 * manageable, so the worker sets them itself when its command line does not: whoever starts it (the
 * launcher, bench/run, a shell) gets them, and {@code -XX:MaxHeapFreeRatio=...} on the command line wins.
 * G1 reads them only when it considers shrinking (after a full collection and at the end of a concurrent
 * cycle); under load it grows the heap by its collection-time goal, as before, so a busy node may pay for
 * growing back after such a shrink, not for a smaller heap while busy.
 */
final class HeapFreeRatios {
    private static final Logger LOG = Logger.getLogger(HeapFreeRatios.class.getName());

    static final String MIN = "MinHeapFreeRatio";
    static final String MAX = "MaxHeapFreeRatio";
    static final String MIN_PERCENT = "10";
    static final String MAX_PERCENT = "20";

    private HeapFreeRatios() {
    }

    /** Sets both ratios unless either was given on the command line (or the JVM has no such flags). */
    static void applyUnlessSet() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            if (hotspot == null || !isDefault(hotspot, MIN) || !isDefault(hotspot, MAX)) {
                return;
            }
            // The minimum first: it may never exceed the maximum, which is still 70 here.
            hotspot.setVMOption(MIN, MIN_PERCENT);
            hotspot.setVMOption(MAX, MAX_PERCENT);
        } catch (IllegalArgumentException | SecurityException e) {
            LOG.fine(() -> "heap free ratios left as they are: " + e);
        }
    }

    private static boolean isDefault(HotSpotDiagnosticMXBean hotspot, String flag) {
        return hotspot.getVMOption(flag).getOrigin() == VMOption.Origin.DEFAULT;
    }
}
