package io.switchboard.it.support;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test started (processes, clients, browsers), closed in reverse order when the test ends, so
 * that clients go before the servers they talk to and Redis goes last. A failure to close one does not
 * keep the others running.
 */
public final class Resources implements AutoCloseable {
    private final List<AutoCloseable> started = new ArrayList<>();

    /** Registers {@code resource} to be closed by {@link #close}; returns it. */
    public <T extends AutoCloseable> T keep(T resource) {
        started.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop " + started.get(i) + ": " + e);
            }
        }
        started.clear();
    }
}
