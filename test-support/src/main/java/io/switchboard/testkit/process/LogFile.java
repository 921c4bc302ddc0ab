package io.switchboard.testkit.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The file a child process writes its standard output and error to, kept under
 * {@code target/node-logs/} after the run so that a failure can be read and a test can assert on it.
 */
public final class LogFile {

    /** A stack trace frame, or a log record at ERROR / SEVERE level (slf4j-simple, java.util.logging). */
    private static final Pattern TROUBLE = Pattern.compile("^\\tat |^\\s+at [\\w$.]+\\(|\\bERROR\\b|\\bSEVERE\\b");

    private final Path path;

    private LogFile(Path path) {
        this.path = path;
    }

    /** The log named {@code name}.log in the log directory (system property {@code switchboard.logDir}). */
    public static LogFile named(String name) {
        Path dir = Paths.get(System.getProperty("switchboard.logDir", "target/node-logs"));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new LogFile(dir.resolve(name + ".log").toAbsolutePath());
    }

    public Path path() {
        return path;
    }

    /** Everything written so far. */
    public String text() {
        try {
            return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A position to later read only what was written after it, see {@link #textSince(long)}. */
    public long mark() {
        return text().length();
    }

    /** What was written after {@code mark}. */
    public String textSince(long mark) {
        String text = text();
        return mark >= text.length() ? "" : text.substring((int) mark);
    }

    /** The log's length in bytes: a position for {@link #excerptSince(long)}. */
    public long size() {
        try {
            return Files.exists(path) ? Files.size(path) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What was written after byte position {@code mark}: how many lines, the first trouble lines (stack trace
     * frames, ERROR / SEVERE records) and the last lines, each line cut to {@value #EXCERPT_LINE} characters.
     */
    public record Excerpt(long lines, List<String> trouble, List<String> tail) {
    }

    private static final int EXCERPT_LINE = 300;
    private static final int EXCERPT_LINES = 40;

    /**
     * Reads what was written after byte position {@code mark} in one streaming pass, holding only a bounded
     * excerpt: a log that grew by gigabytes (or has single lines of megabytes) can be measured without reading it
     * into memory.
     */
    public Excerpt excerptSince(long mark) {
        long lines = 0;
        List<String> trouble = new ArrayList<>();
        ArrayDeque<String> tail = new ArrayDeque<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (FileChannel channel = FileChannel.open(path)) {
            channel.position(Math.min(mark, channel.size()));
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            boolean pending = false;
            while (channel.read(buffer) > 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        lines++;
                        take(line, trouble, tail);
                        pending = false;
                    } else {
                        pending = true;
                        if (line.size() < EXCERPT_LINE) {
                            line.write(b);
                        }
                    }
                }
                buffer.clear();
            }
            if (pending) {
                lines++;
                take(line, trouble, tail);
            }
        } catch (NoSuchFileException e) {
            return new Excerpt(0, List.of(), List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Excerpt(lines, List.copyOf(trouble), List.copyOf(tail));
    }

    private static void take(ByteArrayOutputStream line, List<String> trouble, ArrayDeque<String> tail) {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (trouble.size() < EXCERPT_LINES && TROUBLE.matcher(text).find()) {
            trouble.add(text);
        }
        tail.addLast(text);
        if (tail.size() > EXCERPT_LINES) {
            tail.removeFirst();
        }
    }

    /** The last {@code lines} lines, for failure messages. */
    public String tail(int lines) {
        List<String> all = text().lines().collect(Collectors.toList());
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Lines of {@code text} that are stack trace frames or ERROR / SEVERE records. */
    public static List<String> troubleLines(String text) {
        return text.lines().filter(line -> TROUBLE.matcher(line).find()).collect(Collectors.toList());
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
