package io.switchboard.internal.web;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * The container's news about an SSE response, passed on to its {@link SseStream}: ended, failed, timed out.
 *
 * <p>Apart from the stream, with a no-argument constructor, because Jakarta EE servers take every
 * {@link AsyncListener} in a deployment for a component they may have to create and inject (WildFly warns
 * about each one it cannot construct).
 */
final class SseStreamEnd implements AsyncListener {
    private volatile SseStream stream;

    public SseStreamEnd() {
        // bound to its stream by of()
    }

    static SseStreamEnd of(SseStream stream) {
        SseStreamEnd end = new SseStreamEnd();
        end.stream = stream;
        return end;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        stream.completed();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        stream.finish(); // the servlet disables the timeout; a container that imposes one ends the stream here
    }

    @Override
    public void onError(AsyncEvent event) {
        stream.failed(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not restarted
    }
}
