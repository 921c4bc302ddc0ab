package io.switchboard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one worker's CPU samples went, read from async-profiler's collapsed stacks (one line per distinct stack:
 * frames from the root to the leaf joined by ';', then a space and the sample count; with {@code threads} the root
 * frame is the thread, {@code [name tid=N]}; kernel frames end in {@code _[k]}).
 *
 * <p>Each sample counts for one {@link ThreadKind}: the first whose frames its stack holds, in the order of the
 * enum. A request thread that allocates into a G1 slow path stays a request thread; only stacks of no Java thread
 * kind named here reach JIT, GC and "other".
 */
final class ProfileSummary {
    static final int TOP_LEAVES = 30;
    private static final String KERNEL = "_[k]";

    /**
     * What kind of thread a stack ran on, told by frames every stack of that thread holds or by the thread's name
     * in the root frame (a stack cut short, e.g. {@code [no_Java_frame]}, has only the name).
     */
    enum ThreadKind {
        TOMCAT_REQUEST("Tomcat request threads (TaskThread, *-exec-*)", "TaskThread", "-exec-"),
        TOMCAT_POLLER("Tomcat poller (Poller.run)", "Poller.run", "-Poller tid="),
        TOMCAT_ACCEPTOR("Tomcat acceptor (Acceptor.run)", "Acceptor.run", "-Acceptor tid="),
        EVENT_LOOP("Redisson/Netty event loops (NioIoHandler.run, SingleThreadIoEventLoop)", "NioIoHandler.run",
                "SingleThreadIoEventLoop", "[redisson-netty-"),
        FANOUT("Switchboard fan-out (TopicInbox.drain, switchboard-* threads)", "TopicInbox.drain", "[switchboard-"),
        // Linux keeps 15 characters of a native thread's name: "C2 CompilerThre".
        JIT("JIT compiler (CompileBroker)", "CompileBroker", " CompilerThre"),
        GC("GC (frames with G1 or GC)", "G1", "GC"),
        OTHER("other");

        private final String label;
        private final List<String> marks;

        ThreadKind(String label, String... marks) {
            this.label = label;
            this.marks = List.of(marks);
        }

        private boolean matches(String stack) {
            return marks.stream().anyMatch(stack::contains);
        }
    }

    /**
     * Whose code a sample of the fan-out was in: the kernel when its leaf frame is, else the package of the frame
     * nearest the leaf that belongs to one of these (a JDK method called by Tomcat counts as the JDK's). Java frames
     * are written with slashes ({@code java/lang/Thread.run}).
     */
    enum Owner {
        KERNEL("kernel"),
        SWITCHBOARD("Switchboard (io/switchboard)", "io/switchboard/"),
        TOMCAT("Tomcat (org/apache/tomcat)", "org/apache/tomcat/"),
        JDK("JDK (java, sun, jdk)", "java/", "sun/", "jdk/"),
        OTHER("other");

        final String label;
        private final List<String> prefixes;

        Owner(String label, String... prefixes) {
            this.label = label;
            this.prefixes = List.of(prefixes);
        }

        static Owner of(String[] frames) {
            if (frames[frames.length - 1].endsWith(ProfileSummary.KERNEL)) {
                return KERNEL;
            }
            for (int i = frames.length - 1; i >= 0; i--) {
                for (Owner owner : values()) {
                    if (owner.prefixes.stream().anyMatch(frames[i]::startsWith)) {
                        return owner;
                    }
                }
            }
            return OTHER;
        }
    }

    private final Map<ThreadKind, Long> byKind = new EnumMap<>(ThreadKind.class);
    private final Map<Owner, Long> drainByOwner = new EnumMap<>(Owner.class);
    private final Map<String, Long> byLeaf = new HashMap<>();
    private long total;
    private long kernelLeaf;
    private long inDrain;

    private ProfileSummary() {
        for (ThreadKind kind : ThreadKind.values()) {
            byKind.put(kind, 0L);
        }
        for (Owner owner : Owner.values()) {
            drainByOwner.put(owner, 0L);
        }
    }

    static ProfileSummary read(Path collapsed) throws IOException {
        try (var lines = Files.lines(collapsed)) {
            return of(lines.toList());
        }
    }

    /** @param lines collapsed stacks; blank lines and lines without a count are skipped */
    static ProfileSummary of(List<String> lines) {
        ProfileSummary summary = new ProfileSummary();
        for (String line : lines) {
            int space = line.lastIndexOf(' '); // thread frames hold spaces: the count is after the last one
            if (space <= 0) {
                continue;
            }
            long samples;
            try {
                samples = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            summary.add(line.substring(0, space), samples);
        }
        return summary;
    }

    static ThreadKind kind(String stack) {
        for (ThreadKind kind : ThreadKind.values()) {
            if (kind.matches(stack)) {
                return kind;
            }
        }
        return ThreadKind.OTHER;
    }

    private void add(String stack, long samples) {
        total += samples;
        byKind.merge(kind(stack), samples, Long::sum);
        String leaf = stack.substring(stack.lastIndexOf(';') + 1);
        byLeaf.merge(leaf, samples, Long::sum);
        if (leaf.endsWith(KERNEL)) {
            kernelLeaf += samples;
        }
        if (stack.contains("TopicInbox.drain")) {
            inDrain += samples;
            drainByOwner.merge(Owner.of(stack.split(";")), samples, Long::sum);
        }
    }

    /** Samples under {@code TopicInbox.drain} that were in {@code owner}'s code. */
    long inDrain(Owner owner) {
        return drainByOwner.get(owner);
    }

    long total() {
        return total;
    }

    long samples(ThreadKind kind) {
        return byKind.get(kind);
    }

    long kernelLeaf() {
        return kernelLeaf;
    }

    /** Samples under {@code TopicInbox.drain} on any thread (the fan-out also runs on the thread that read the event). */
    long inDrain() {
        return inDrain;
    }

    /** The {@code n} leaf frames with the most samples, most first (ties by name). */
    List<Map.Entry<String, Long>> topLeaves(int n) {
        return byLeaf.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n)
                .toList();
    }

    /** The summary as text, headed by {@code title}. */
    String text(String title) {
        StringBuilder out = new StringBuilder(title).append('\n');
        out.append(String.format(Locale.ROOT, "total samples: %,d%n", total));
        out.append("by thread kind:\n");
        for (ThreadKind kind : ThreadKind.values()) {
            out.append(String.format(Locale.ROOT, "  %6.1f%%  %,9d  %s%n", share(byKind.get(kind)), byKind.get(kind), kind.label));
        }
        out.append(String.format(Locale.ROOT, "kernel leaf frames (_[k]): %.1f%% (%,d)%n", share(kernelLeaf), kernelLeaf));
        out.append(String.format(Locale.ROOT, "under TopicInbox.drain, any thread: %.1f%% (%,d), of which:%n", share(inDrain), inDrain));
        for (Owner owner : Owner.values()) {
            long samples = drainByOwner.get(owner);
            out.append(String.format(Locale.ROOT, "  %6.1f%%  %,9d  %s%n", inDrain == 0 ? 0 : 100.0 * samples / inDrain,
                    samples, owner.label));
        }
        out.append("top ").append(TOP_LEAVES).append(" leaf (self) frames:\n");
        for (Map.Entry<String, Long> leaf : topLeaves(TOP_LEAVES)) {
            out.append(String.format(Locale.ROOT, "  %6.1f%%  %,9d  %s%n", share(leaf.getValue()), leaf.getValue(), leaf.getKey()));
        }
        return out.toString();
    }

    private double share(long samples) {
        return total == 0 ? 0 : 100.0 * samples / total;
    }

    /** Writes the summary beside {@code collapsed}, as {@code <its name>.txt}, and returns that file. */
    static Path writeBeside(Path collapsed, String title) throws IOException {
        Path file = collapsed.resolveSibling(collapsed.getFileName().toString().replaceFirst("\\.collapsed$", "") + ".txt");
        Files.writeString(file, read(collapsed).text(title));
        return file;
    }
}
