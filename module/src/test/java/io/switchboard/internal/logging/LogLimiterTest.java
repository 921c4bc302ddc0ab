package io.switchboard.internal.logging;

import io.switchboard.internal.testing.RecordingLogger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Repeated warnings: one line per kind per interval, with the count of what was left out. */
class LogLimiterTest {

    @Test
    void repeatsWithinTheIntervalAreCountedAndReportedWithTheNextLine() {
        RecordingLogger recorder = new RecordingLogger();
        AtomicLong now = new AtomicLong();
        LogLimiter limiter = new LogLimiter(recorder.logger(), Duration.ofSeconds(60), now::get);
        for (int i = 0; i < 1_000; i++) {
            limiter.warn("refused", "Refused frame {}", i);
        }
        limiter.warn("other", "Another kind");
        assertThat(recorder.lines).containsExactly("Refused frame 0", "Another kind");

        now.addAndGet(Duration.ofSeconds(61).toNanos());
        limiter.warn("refused", "Refused frame {}", 1_000);
        assertThat(recorder.lines).last().isEqualTo("Refused frame 1000 (999 more like it not logged since the last one)");
    }

    @Test
    void anExceptionIsLoggedAsItsMessageNotAsAStackTrace() {
        RecordingLogger recorder = new RecordingLogger();
        LogLimiter limiter = new LogLimiter(recorder.logger(), Duration.ofSeconds(60), () -> 0);
        limiter.info("read", "History read failed: {}", new IllegalStateException("Redis timeout"));
        assertThat(recorder.lines).containsExactly("History read failed: Redis timeout");
        assertThat(recorder.throwableLogged).isFalse();
    }

    @Test
    void clientTextIsClippedToOneLine() {
        assertThat(LogLimiter.clip("a\nb" + "x".repeat(500), 10)).isEqualTo("a\\u000ab" + "x".repeat(7) + "...");
    }
}
