package io.switchboard.bench.target;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/** A running system under test: N server processes on 127.0.0.1 sharing one Redis. */
public interface Cluster extends AutoCloseable {

    /** {@code switchboard}, {@code socketio} or {@code floor}. */
    String system();

    /** One address per node, in node order. */
    List<InetSocketAddress> nodes();

    /** Every server process (for CPU time and RSS); Redis is measured separately. */
    List<Long> serverPids();

    /**
     * Heap in use after a full GC, summed over the server processes, in bytes; -1 if it cannot be read.
     * Forces the GC, so it is called only between measurements.
     */
    long heapAfterGc() throws IOException;

    @Override
    void close();
}
