package io.switchboard.bench.target;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * async-profiler ({@code tools.profiler:async-profiler}, on this jar's class path) attached to a running JVM with
 * {@code jcmd <pid> JVMTI.agent_load}: CPU samples every millisecond, Java and native frames and, with perf events,
 * kernel frames, written as collapsed stacks (one line per distinct stack: frames root first, then the count).
 *
 * <p>The native library is extracted once per run from the jar; a JVM loads it at the first attach and reuses it
 * (same path) for later commands.
 */
public final class AsyncProfiler {
    /** Perf events first (kernel frames too); {@code itimer} where the kernel does not permit them. */
    private static final List<String> EVENTS = List.of("cpu", "itimer");
    private static final Pattern RETURN_CODE = Pattern.compile("return code: (-?\\d+)");

    private final Path library;
    private final Path dir;

    private AsyncProfiler(Path library, Path dir) {
        this.library = library;
        this.dir = dir;
    }

    /** A profile written by {@link #stop}: the collapsed stacks and the event they were sampled with. */
    public record Recording(Path collapsed, String event) {
    }

    /**
     * Extracts the library for this platform into {@code dir}, where the recordings go too.
     *
     * @throws IOException on a platform async-profiler's jar has no Linux library for, or if the jar is missing
     */
    public static AsyncProfiler extract(Path dir) throws IOException {
        String resource = "/" + platform(System.getProperty("os.name"), System.getProperty("os.arch"))
                + "/libasyncProfiler.so";
        Files.createDirectories(dir);
        Path library = dir.resolve("libasyncProfiler.so").toAbsolutePath();
        try (InputStream in = AsyncProfiler.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("--profile: " + resource + " is not on the class path (the async-profiler jar"
                        + " in bench/target/lib); rebuild with ./mvnw -DskipTests package");
            }
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
        }
        return new AsyncProfiler(library, dir.toAbsolutePath());
    }

    /** The folder of async-profiler's jar holding the library for this OS and {@code os.arch}. */
    static String platform(String osName, String arch) throws IOException {
        if (osName != null && osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
            switch (arch) {
                case "amd64", "x86_64" -> {
                    return "linux-x64";
                }
                case "aarch64", "arm64" -> {
                    return "linux-arm64";
                }
                default -> {
                }
            }
        }
        throw new IOException("--profile needs Linux on x86-64 (amd64) or ARM64 (aarch64); this is " + osName + " on " + arch);
    }

    /** Where the recordings, their summaries and async-profiler's own logs go. */
    public Path dir() {
        return dir;
    }

    /**
     * Starts sampling in {@code pid} with the first event the kernel permits; async-profiler's messages go to
     * {@code name.log}. The thread of each sample is recorded too ({@code threads}: its name as the root frame).
     *
     * @return the event sampling runs on
     */
    String start(long pid, String name) throws IOException {
        Path log = dir.resolve(name + ".log");
        StringBuilder refused = new StringBuilder();
        for (String event : EVENTS) {
            Files.deleteIfExists(log);
            int code = agentLoad(pid, "start,event=" + event + ",interval=1ms,threads,log=" + log);
            if (code == 0) {
                return event;
            }
            refused.append(" event=").append(event).append(": return code ").append(code).append(' ')
                    .append(Files.exists(log) ? Files.readString(log).trim() : "").append(';');
        }
        throw new IOException("async-profiler did not start in " + pid + ":" + refused);
    }

    /** Stops sampling in {@code pid} and writes its collapsed stacks to {@code name.collapsed}. */
    Path stop(long pid, String name) throws IOException {
        Path collapsed = dir.resolve(name + ".collapsed");
        int code = agentLoad(pid, "stop,file=" + collapsed + ",collapsed,threads");
        if (code != 0 || !Files.exists(collapsed)) {
            throw new IOException("async-profiler did not write " + collapsed + " (return code " + code
                    + "); see " + dir.resolve(name + ".log"));
        }
        return collapsed;
    }

    /**
     * One command to the agent. jcmd splits its arguments on '=' unless one is quoted, so the whole option string
     * goes as one argument in literal double quotes. jcmd itself exits 0 either way; the agent's answer is the
     * "return code" it prints (0: done).
     */
    private int agentLoad(long pid, String options) throws IOException {
        String out = Jcmd.run(pid, "JVMTI.agent_load", library.toString(), "\"" + options + "\"");
        Matcher code = RETURN_CODE.matcher(out);
        if (!code.find()) {
            throw new IOException("jcmd " + pid + " JVMTI.agent_load " + options + ": unexpected answer: " + out.trim());
        }
        return Integer.parseInt(code.group(1));
    }
}
