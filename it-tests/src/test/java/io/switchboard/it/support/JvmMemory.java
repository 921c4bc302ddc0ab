package io.switchboard.it.support;

import com.sun.tools.attach.VirtualMachine;

import java.io.IOException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory of a child JVM read from outside while it works: heap in use, heap still in use after the last
 * collection (what is really retained) and direct buffers ({@code java.nio:type=BufferPool,name=direct}, where
 * Redisson's Netty buffers and the JDK's temporary socket buffers are counted). The JDK's attach mechanism
 * starts the child's local JMX agent, so nothing has to be configured when the child is started; each sample is
 * a few MBean reads over a local connection, cheap enough to take several times a second.
 *
 * <p>{@link #startSampling} keeps the peaks in a daemon thread until {@link Sampling#stop()}.
 */
public final class JvmMemory implements AutoCloseable {

    static {
        // A child that is busy collecting garbage must not hang a sample forever.
        System.setProperty("sun.rmi.transport.tcp.responseTimeout", "5000");
    }

    private static final ObjectName DIRECT = name("java.nio:type=BufferPool,name=direct");

    private final long pid;
    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final List<MemoryPoolMXBean> heapPools;
    private final MBeanServerConnection server;

    private JvmMemory(long pid, JMXConnector connector) throws IOException {
        this.pid = pid;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        this.heapPools = ManagementFactory.getPlatformMXBeans(server, MemoryPoolMXBean.class).stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
    }

    /** Attaches to the JVM {@code pid} (same user) and connects to its JMX agent, starting it if needed. */
    public static JvmMemory attach(long pid) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            String url;
            try {
                url = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
            return new JvmMemory(pid, JMXConnectorFactory.connect(new JMXServiceURL(url), Map.of()));
        } catch (Exception e) {
            throw new AssertionError("cannot read the memory of JVM " + pid + ": " + e, e);
        }
    }

    /**
     * A full collection in the child ({@code MemoryMXBean.gc()}): afterwards the heap still in use after the last
     * collection is the child's present state, not left over from earlier work.
     */
    public void collect() {
        try {
            memory.gc();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot run a collection in JVM " + pid + ": " + e, e);
        }
    }

    /** One reading. */
    public record Sample(long heapUsed, long heapAfterGc, long heapMax, long direct) {
    }

    public Sample sample() {
        try {
            MemoryUsage heap = memory.getHeapMemoryUsage();
            long afterGc = 0;
            for (MemoryPoolMXBean pool : heapPools) {
                MemoryUsage collected = pool.getCollectionUsage();
                afterGc += collected == null ? 0 : collected.getUsed();
            }
            long direct = ((Number) server.getAttribute(DIRECT, "MemoryUsed")).longValue();
            return new Sample(heap.getUsed(), afterGc, heap.getMax(), direct);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sample the memory of JVM " + pid + ": " + e, e);
        }
    }

    /** Samples every {@code period} in a daemon thread, keeping the peaks, until stopped. */
    public Sampling startSampling(Duration period) {
        Sampling sampling = new Sampling(this, period);
        sampling.thread.start();
        return sampling;
    }

    /** The peaks seen since {@link #startSampling}; a failed sample (the JVM gone) ends the sampling. */
    public static final class Sampling {
        private final AtomicLong heapUsed = new AtomicLong();
        private final AtomicLong heapAfterGc = new AtomicLong();
        private final AtomicLong direct = new AtomicLong();
        private final AtomicLong samples = new AtomicLong();
        private final JvmMemory jvm;
        private final Thread thread;
        private volatile long heapMax;
        private volatile boolean stopped;
        private volatile String failure;

        private Sampling(JvmMemory jvm, Duration period) {
            this.jvm = jvm;
            this.thread = new Thread(() -> {
                while (!stopped) {
                    try {
                        take(jvm.sample());
                        Thread.sleep(period.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        failure = e.getMessage();
                        return;
                    }
                }
            }, "jvm-memory-" + jvm.pid);
            this.thread.setDaemon(true);
        }

        private void take(Sample sample) {
            heapUsed.accumulateAndGet(sample.heapUsed(), Math::max);
            heapAfterGc.accumulateAndGet(sample.heapAfterGc(), Math::max);
            direct.accumulateAndGet(sample.direct(), Math::max);
            heapMax = sample.heapMax();
            samples.incrementAndGet();
        }

        /** Stops sampling (taking one last sample if the JVM still answers) and returns the peaks. */
        public Peaks stop() {
            stopped = true;
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (failure == null) {
                try {
                    take(jvm.sample());
                } catch (RuntimeException e) {
                    failure = e.getMessage();
                }
            }
            return new Peaks(heapUsed.get(), heapAfterGc.get(), heapMax, direct.get(), samples.get(), failure);
        }
    }

    /** The highest readings of a sampling, how many samples it took and why it ended early (null if it did not). */
    public record Peaks(long heapUsed, long heapAfterGc, long heapMax, long direct, long samples, String failure) {
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (Exception ignored) {
            // the JVM may be gone already
        }
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (Exception e) {
            throw new IllegalArgumentException(name, e);
        }
    }
}
