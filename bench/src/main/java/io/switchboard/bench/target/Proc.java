package io.switchboard.bench.target;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * What Linux says about a process: CPU time ({@code /proc/<pid>/stat} utime + stime) and resident memory
 * ({@code /proc/<pid>/status} VmRSS). CPU time, not wall time, is the fair figure on a shared machine.
 */
public final class Proc {
    /** Clock ticks per second ({@code getconf CLK_TCK}), the unit of utime and stime. */
    public static final long CLOCK_TICKS = clockTicks();

    private Proc() {
    }

    /** utime + stime in microseconds; 0 if the process is gone. */
    public static long cpuMicros(long pid) {
        try {
            return statCpuMicros(Files.readString(Path.of("/proc", String.valueOf(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * utime + stime in microseconds from a {@code stat} line, a process's or a thread's
     * ({@code /proc/<pid>/task/<tid>/stat}). The name (field 2) is in parentheses and may hold spaces and
     * parentheses: the fields are read after the last ')'.
     *
     * @throws RuntimeException if the line is not a {@code stat} line
     */
    static long statCpuMicros(String stat) {
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15
        return ticks * 1_000_000L / CLOCK_TICKS;
    }

    public static long cpuMicros(Collection<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += cpuMicros(pid);
        }
        return sum;
    }

    /** Resident set size in bytes; 0 if the process is gone. */
    public static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    public static long rssBytes(Collection<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            sum += rssBytes(pid);
        }
        return sum;
    }

    /**
     * Resident memory once it has stopped falling: read every 200 ms until five readings in a row (one second)
     * are no lower than the lowest so far, at most {@code 10 s}. A collection that shrinks a heap gives the
     * memory back to the system later, not within the collection: HotSpot's G1 uncommits the freed regions on a
     * background thread, V8 releases pages after its own delay. Read at once, RSS after a collection still holds
     * memory the process has already let go of, by a different amount each time.
     */
    public static long settledRssBytes(Collection<Long> pids) throws InterruptedException {
        long lowest = rssBytes(pids);
        long deadline = System.nanoTime() + 10_000_000_000L;
        int notLower = 0;
        while (notLower < 5 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            long rss = rssBytes(pids);
            if (rss < lowest) {
                lowest = rss;
                notLower = 0;
            } else {
                notLower++;
            }
        }
        return lowest;
    }

    /** This process's limit on open files (soft), or -1 if unknown: each client connection needs one. */
    public static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(25).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    /** One-line load summary of the machine (load average and CPU count), for the report header. */
    public static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static long clockTicks() {
        try {
            Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor();
            return Long.parseLong(out);
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
