package io.switchboard.demo;

import java.io.PrintStream;

/**
 * The launcher's console: its own messages prefixed {@code [launcher]}, the workers' lines prefixed with their
 * node id. Each call prints one whole line ({@link PrintStream#println(String)} is synchronized), so lines from
 * the relay threads of several workers never interleave within a line.
 */
final class Console {

    private Console() {
    }

    static void info(String format, Object... args) {
        line(System.out, "[launcher] " + String.format(format, args));
    }

    static void warn(String format, Object... args) {
        line(System.err, "[launcher] " + String.format(format, args));
    }

    /** A line exactly as given, flushed at once (e.g. the READY line that scripts wait for). */
    static void line(PrintStream stream, String line) {
        stream.println(line);
        stream.flush();
    }
}
