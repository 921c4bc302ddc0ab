package io.switchboard.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
