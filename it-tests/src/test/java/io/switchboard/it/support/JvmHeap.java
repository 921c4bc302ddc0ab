package io.switchboard.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The heap of a child JVM, read with {@code jcmd} (the JDK's own diagnostic command). */
public final class JvmHeap {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private JvmHeap() {
    }

    /** Runs a full GC in the JVM {@code pid}, then returns its used heap in bytes (all generations). */
    public static long usedAfterFullGc(long pid) {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        long usedKiB = 0;
        for (String line : info.lines().toList()) {
            String trimmed = line.trim();
            if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space")) {
                continue;
            }
            Matcher matcher = USED.matcher(trimmed);
            if (matcher.find()) {
                usedKiB += Long.parseLong(matcher.group(1));
            }
        }
        if (usedKiB == 0) {
            throw new AssertionError("no heap figures in jcmd " + pid + " GC.heap_info:\n" + info);
        }
        return usedKiB * 1024;
    }

    /** The first {@code lines} lines of the JVM {@code pid}'s class histogram (live objects, biggest first). */
    public static String histogram(long pid, int lines) {
        return jcmd(pid, "GC.class_histogram").lines().limit(lines).collect(java.util.stream.Collectors.joining("\n"));
    }

    private static String jcmd(long pid, String command) {
        String jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString();
        try {
            Process process = new ProcessBuilder(jcmd, Long.toString(pid), command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new AssertionError("jcmd " + pid + " " + command + " failed:\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running jcmd", e);
        }
    }
}
