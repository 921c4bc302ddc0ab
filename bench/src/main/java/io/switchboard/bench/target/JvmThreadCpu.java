package io.switchboard.bench.target;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * How much of a step's server CPU a JVM spent compiling and collecting rather than serving, from Linux's per-thread
 * counters ({@code /proc/<pid>/task/<tid>/stat}: the thread's name and utime + stime), without a profiler. HotSpot
 * names its threads: the JIT compilers {@code C1 CompilerThread<n>} and {@code C2 CompilerThread<n>}, G1's workers
 * {@code GC Thread#<n>}, {@code G1 Conc#<n>}, {@code G1 Refine#<n>}, {@code G1 Main Marker}, {@code G1 Service}
 * (Linux keeps the first 15 characters). A process without such threads (Node.js) reads as no JVM.
 *
 * <p>A step is the difference of two readings, thread by thread: a thread that started in between counts from zero;
 * one that ended in between (HotSpot stops compiler threads it no longer needs) takes its CPU of the step with it,
 * so the JIT's figure is at least what it was.
 */
public record JvmThreadCpu(Map<String, Sample> threads) {

    /** What a thread is to the JVM. */
    public enum Kind { JIT, GC, OTHER }

    /** One thread's kind and CPU so far (µs). */
    public record Sample(Kind kind, long micros) {
    }

    /** Every thread of the processes, by {@code pid/tid}; a process that is gone reads as none. */
    public static JvmThreadCpu read(Collection<Long> pids) {
        Map<String, Sample> threads = new HashMap<>();
        for (long pid : pids) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "task"))) {
                for (Path task : tasks) {
                    try {
                        Sample sample = parse(Files.readString(task.resolve("stat")));
                        if (sample != null) {
                            threads.put(pid + "/" + task.getFileName(), sample);
                        }
                    } catch (IOException e) {
                        // the thread ended while we read
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        }
        return new JvmThreadCpu(Map.copyOf(threads));
    }

    /** A thread's {@code stat} line ({@link Proc#statCpuMicros}); null if it is not one. */
    static Sample parse(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        try {
            return new Sample(kind(stat.substring(open + 1, close)), Proc.statCpuMicros(stat));
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Kind kind(String threadName) {
        if (threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre")) {
            return Kind.JIT;
        }
        if (threadName.startsWith("GC Thread#") || threadName.startsWith("G1 ")) {
            return Kind.GC;
        }
        return Kind.OTHER;
    }

    /** CPU (µs) of one kind's threads between {@code before} and this reading. */
    public long micros(Kind kind, JvmThreadCpu before) {
        long sum = 0;
        for (Map.Entry<String, Sample> thread : threads.entrySet()) {
            Sample now = thread.getValue();
            if (now.kind() == kind) {
                Sample then = before.threads.get(thread.getKey());
                sum += now.micros() - (then != null ? then.micros() : 0);
            }
        }
        return sum;
    }

    /** Whether any thread read was a JIT compiler's: the processes run HotSpot. */
    public boolean isJvm() {
        return threads.values().stream().anyMatch(sample -> sample.kind() == Kind.JIT);
    }
}
