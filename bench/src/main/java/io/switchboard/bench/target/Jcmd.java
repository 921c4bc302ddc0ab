package io.switchboard.bench.target;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code jcmd} of the JDK running this benchmark, against the worker JVMs it started. */
final class Jcmd {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private Jcmd() {
    }

    static String run(long pid, String... command) throws IOException {
        List<String> line = new ArrayList<>();
        line.add(javaHomeTool("jcmd"));
        line.add(String.valueOf(pid));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " failed: " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Heap in use after {@code GC.run} (a full collection), from {@code GC.heap_info}. */
    static long heapAfterGc(long pid) throws IOException {
        run(pid, "GC.run");
        String info = run(pid, "GC.heap_info");
        Matcher used = USED.matcher(info);
        if (!used.find()) {
            throw new IOException("cannot read the heap of " + pid + " from: " + info.trim());
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    static String javaHomeTool(String tool) {
        Path home = Path.of(System.getProperty("java.home"));
        Path candidate = home.resolve("bin").resolve(tool);
        return candidate.toFile().canExecute() ? candidate.toString() : tool;
    }
}
