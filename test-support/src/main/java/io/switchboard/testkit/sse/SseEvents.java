package io.switchboard.testkit.sse;

import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Reads a {@code text/event-stream} line by line (as the JDK's line subscriber hands them over) and passes
 * on each message's data ({@code data:} lines joined by line breaks, dispatched at the blank line that ends
 * the message), the comment lines (which keep the stream alive), and the end of the stream. Fields other
 * than {@code data} ({@code event}, {@code id}, {@code retry}) are not used by Switchboard and are skipped.
 *
 * <p>Threading: the JDK calls a subscriber one line at a time; {@link #cancel()} may come from any thread.
 */
public final class SseEvents implements Flow.Subscriber<String> {

    /** What the stream brings. Called on the HTTP client's thread, one call at a time. */
    public interface Listener {
        /** One message's data. */
        void message(String data);

        /** A comment line ({@code : ...}). */
        default void comment(String text) {
        }

        /** The stream ended: {@code error} is null when the server ended the response. */
        void ended(Throwable error);
    }

    private final Listener listener;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    public SseEvents(Listener listener) {
        this.listener = listener;
    }

    /** Stops reading: the HTTP client closes the connection, as a browser leaving the page does. */
    public void cancel() {
        cancelled = true;
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (cancelled) {
            subscription.cancel();
            return;
        }
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        if (cancelled) {
            return;
        }
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (text.isEmpty()) {
            if (hasData) {
                String message = data.toString();
                data.setLength(0);
                hasData = false;
                listener.message(message);
            }
        } else if (text.startsWith(":")) {
            listener.comment(text.substring(1).trim());
        } else if (text.startsWith("data:")) {
            if (hasData) {
                data.append('\n');
            }
            String value = text.substring("data:".length());
            data.append(value.startsWith(" ") ? value.substring(1) : value);
            hasData = true;
        }
    }

    @Override
    public void onError(Throwable throwable) {
        listener.ended(throwable);
    }

    @Override
    public void onComplete() {
        listener.ended(null);
    }

    /** Calls {@code consumer} for each message's data; the end of the stream goes to {@code end}. */
    public static SseEvents of(Consumer<String> consumer, Consumer<Throwable> end) {
        return new SseEvents(new Listener() {
            @Override
            public void message(String data) {
                consumer.accept(data);
            }

            @Override
            public void ended(Throwable error) {
                end.accept(error);
            }
        });
    }
}
