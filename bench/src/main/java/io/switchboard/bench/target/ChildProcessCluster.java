package io.switchboard.bench.target;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * What every launcher of a system under test shares: the child processes it started, the address of each node
 * (127.0.0.1 and a port, in node order), and closing them all, also when starting fails half-way. A subclass
 * says only what is its own: the command lines, what "ready" means, and its pids and heap where they are not
 * simply those of its processes.
 *
 * <p>Only the thread that starts the cluster adds processes and nodes, before {@link #startOrClose} returns it;
 * after that both lists are only read.
 */
abstract class ChildProcessCluster implements Cluster {
    private final String system;
    private final List<ChildProcess> processes = new ArrayList<>();
    private final List<InetSocketAddress> nodes = new ArrayList<>();

    protected ChildProcessCluster(String system) {
        this.system = system;
    }

    /** The steps that start a cluster's processes and wait until they are ready. */
    @FunctionalInterface
    protected interface Startup<C extends ChildProcessCluster> {
        void run(C cluster) throws IOException;
    }

    /** Runs {@code startup} on {@code cluster}; if it fails, closes what it had started and rethrows. */
    protected static <C extends ChildProcessCluster> C startOrClose(C cluster, Startup<C> startup) throws IOException {
        try {
            startup.run(cluster);
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** Starts one process of this cluster; stdout and stderr go to {@code log}. */
    protected final ChildProcess start(String name, List<String> command, Path workDir, Map<String, String> env, Path log)
            throws IOException {
        ChildProcess process = ChildProcess.start(name, command, workDir, env, log);
        processes.add(process);
        return process;
    }

    /** Adds the next node, {@code 127.0.0.1:port}. */
    protected final void addNode(int port) {
        nodes.add(new InetSocketAddress("127.0.0.1", port));
    }

    /** Waits for each process in turn (they start in parallel) until it prints a line starting with {@code prefix}. */
    protected final void awaitReadyLine(String prefix, Duration timeout) throws IOException {
        for (ChildProcess process : processes) {
            process.awaitLine(line -> line.startsWith(prefix), timeout);
        }
    }

    /** The processes in start order. */
    protected final List<ChildProcess> processes() {
        return Collections.unmodifiableList(processes);
    }

    @Override
    public final String system() {
        return system;
    }

    @Override
    public final List<InetSocketAddress> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** The processes this cluster started. */
    @Override
    public List<Long> serverPids() {
        return processes.stream().map(ChildProcess::pid).toList();
    }

    /** Summed over the processes, read with {@code jcmd}: right for a cluster of JVMs, overridden by any other. */
    @Override
    public long heapAfterGc() throws IOException {
        long sum = 0;
        for (ChildProcess process : processes) {
            sum += Jcmd.heapAfterGc(process.pid());
        }
        return sum;
    }

    @Override
    public void close() {
        // In parallel: each graceful stop closes its WebSockets and Redis client, which takes a moment.
        processes.parallelStream().forEach(ChildProcess::close);
    }
}
