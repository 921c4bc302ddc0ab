package io.switchboard.internal.logging;

import org.slf4j.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Writes at most one line per kind of warning per interval, and says in the next line how many
 * of that kind it left out. For conditions clients can cause at will (refused frames, slow
 * consumers, unreadable bus messages, failed reads under load): each is worth knowing about, but
 * a client repeating it must not be able to fill the log or spend the node's time writing it.
 *
 * <p>Kinds are a small fixed set chosen by the code (never text from a client), so the map of
 * kinds stays small. Thread-safe; a line is decided with one compare-and-set per call.
 */
public final class LogLimiter {
    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    public LogLimiter(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** With a clock in nanoseconds, for tests. */
    public LogLimiter(Logger log, Duration interval, LongSupplier clock) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /**
     * Logs {@code format} at WARN unless a line of {@code kind} was written within the interval;
     * then counts it as suppressed. Arguments are SLF4J's; a trailing {@code Throwable} is
     * logged as its message only, never as a stack trace: these are expected conditions.
     */
    public void warn(String kind, String format, Object... args) {
        long suppressed = admit(kind);
        if (suppressed >= 0 && log.isWarnEnabled()) {
            log.warn(line(format, suppressed), plain(args));
        }
    }

    /** Like {@link #warn} at INFO. */
    public void info(String kind, String format, Object... args) {
        long suppressed = admit(kind);
        if (suppressed >= 0 && log.isInfoEnabled()) {
            log.info(line(format, suppressed), plain(args));
        }
    }

    /**
     * @return -1 to stay quiet; otherwise the number of lines of {@code kind} suppressed since
     *         the last one written
     */
    private long admit(String kind) {
        Window window = windows.computeIfAbsent(kind, k -> new Window());
        long now = clock.getAsLong();
        synchronized (window) {
            if (window.written && now - window.lastNanos < intervalNanos) {
                window.suppressed++;
                return -1;
            }
            long suppressed = window.suppressed;
            window.written = true;
            window.lastNanos = now;
            window.suppressed = 0;
            return suppressed;
        }
    }

    /**
     * Text a client chose (a refused request's message, which may quote it), made safe for one
     * log line: control characters escaped, at most {@code max} characters.
     */
    public static String clip(String text, int max) {
        if (text == null) {
            return "null";
        }
        String shortened = text.length() > max ? text.substring(0, max) + "..." : text;
        StringBuilder clipped = new StringBuilder(shortened.length());
        shortened.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                clipped.append(String.format("\\u%04x", cp));
            } else {
                clipped.appendCodePoint(cp);
            }
        });
        return clipped.toString();
    }

    private String line(String format, long suppressed) {
        if (suppressed == 0) {
            return format;
        }
        return format + " (" + suppressed + " more like it not logged since the last one)";
    }

    private static Object[] plain(Object[] args) {
        if (args.length > 0 && args[args.length - 1] instanceof Throwable error) {
            Object[] copy = args.clone();
            copy[copy.length - 1] = String.valueOf(error.getMessage() == null ? error.getClass().getSimpleName()
                    : error.getMessage());
            return copy;
        }
        return args;
    }

    /** One kind's state; guarded by itself. */
    private static final class Window {
        boolean written;
        long lastNanos;
        long suppressed;
    }
}
