package io.switchboard.demo;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.scan.StandardJarScanFilter;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * One demo server process: an embedded Tomcat on 127.0.0.1 serving the sample WAR at the root context.
 *
 * <p>The WAR is deployed the way a standalone Tomcat deploys it ({@link Tomcat#addWebapp}): the Switchboard
 * jar in WEB-INF/lib registers itself through its ServletContainerInitializer, and Tomcat's WebSocket support
 * ({@code WsSci}, found through the merged META-INF/services of the demo jar) is active for it.
 *
 * <p>Lifecycle: {@link #start()} once, {@link #stop()} any number of times from any thread (signal handler,
 * shutdown hook, watcher of the launcher process). Both run under {@link #lock}, so a stop requested while
 * starting waits for the start to finish and then undoes it.
 */
public final class Worker {

    private static final Logger LOG = Logger.getLogger(Worker.class.getName());

    /** One line per record, so the launcher's node prefix stays on every line. */
    private static final String LOG_FORMAT = "%1$tH:%1$tM:%1$tS.%1$tL %4$s %3$s: %5$s%6$s%n";

    private final WorkerOptions options;
    private final Object lock = new Object();
    private Tomcat tomcat;     // guarded by lock
    private Path baseDir;      // guarded by lock
    private ConnectorExecutor connectorExecutor; // guarded by lock; null with Tomcat's own pool
    private boolean stopped;   // guarded by lock

    Worker(WorkerOptions options) {
        this.options = options;
    }

    private static final String TOMCAT_WEBSOCKET_BUFFER = "org.apache.tomcat.websocket.DEFAULT_BUFFER_SIZE";

    public static void main(String[] args) throws InterruptedException {
        // Before anything touches java.util.logging: its formatter reads this once.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LOG_FORMAT);
        }
        // Tomcat's WebSocket buffers (frame input, output, encoder, default message buffers; 8192 each by
        // default) for every session: this process serves only the demo application, whose frames are a few
        // hundred bytes. 1 KiB each saved about 28 KiB of heap per connection (bench/run --scenarios
        // connections), 512 bytes about 1.5 KiB more; Switchboard's events go out as they are, binary or
        // text, and measured no costlier (bench/README.md). Larger messages still pass, in more reads and,
        // as text, as more fragments. JVM-wide, which is why the module itself cannot set it: in a shared
        // Tomcat it would shrink every application's buffers.
        if (System.getProperty(TOMCAT_WEBSOCKET_BUFFER) == null) {
            System.setProperty(TOMCAT_WEBSOCKET_BUFFER, "512");
        }
        HeapFreeRatios.applyUnlessSet();
        WorkerOptions options;
        try {
            options = WorkerOptions.parse(args);
        } catch (UsageException e) {
            System.err.println("worker: " + e.getMessage());
            System.err.println(WorkerOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(WorkerOptions.USAGE);
            return;
        }
        // The module reads its settings when the web application starts, so they must be in place before.
        options.applyTo(System.getProperties());

        Worker worker = new Worker(options);
        Runnable stopAndExit = StopSignals.install("worker", worker::stop);
        options.watchedProcess().ifPresent(pid -> stopWhenProcessEnds(pid, stopAndExit));
        try {
            worker.start();
        } catch (Exception e) {
            if (e instanceof BindException) {
                LOG.severe(e.getMessage()); // says it all; the stack trace would only bury it
            } else {
                LOG.log(Level.SEVERE, "worker on port " + options.port() + " failed to start: " + e.getMessage(), e);
            }
            worker.stop();
            System.exit(1);
            return;
        }
        System.out.println("WORKER READY " + options.port());
        System.out.flush();
        // Tomcat's threads are daemon threads: keep the JVM alive until a signal ends it through System.exit.
        new CountDownLatch(1).await();
    }

    /** Starts Tomcat and deploys the sample; throws if the port cannot be bound or the application fails. */
    void start() throws IOException, LifecycleException {
        synchronized (lock) {
            if (stopped || tomcat != null) {
                return;
            }
            baseDir = Files.createTempDirectory("switchboard-" + options.node().orElse("worker") + "-");
            Path docBase = BundledWar.extractTo(baseDir.resolve("webapp"));

            tomcat = new Tomcat();
            tomcat.setBaseDir(baseDir.toString());
            Connector connector = connector(options.port());
            if (Boolean.parseBoolean(System.getProperty(INLINE_SEND_COMPLETIONS, "true"))) {
                connectorExecutor = ConnectorExecutor.installOn(connector, "http-nio-" + options.port() + "-exec-");
            }
            tomcat.setConnector(connector);
            tomcat.getHost().setAutoDeploy(false);

            tomcat.setAddDefaultWebXmlToWebapp(false);
            Context context = tomcat.addWebapp(tomcat.getHost(), "", docBase.toString());
            context.addLifecycleListener(new WebappDefaults());
            // The sample's demo login (POST /login) authenticates against this realm; Tomcat keeps the
            // login in the HTTP session and sets the user at every later request, WebSocket handshakes included.
            context.setRealm(new DemoRealm());
            // Only WEB-INF/lib and WEB-INF/classes hold web application code; scanning the demo jar (all of
            // Tomcat and the Redis binaries) for annotations would only slow the start down.
            if (context.getJarScanner() instanceof StandardJarScanner scanner) {
                scanner.setScanClassPath(false);
                scanner.setScanManifest(false);
                scanner.setJarScanFilter(onlySwitchboardJars());
            }

            long started = System.nanoTime();
            try {
                tomcat.start();
            } catch (LifecycleException e) {
                if (isBindFailure(e)) {
                    throw portInUse(e);
                }
                throw e;
            }
            if (tomcat.getConnector().getState() != LifecycleState.STARTED) {
                throw portInUse(null);
            }
            if (!context.getState().isAvailable()) {
                throw new IOException("the sample web application failed to start (see the log above)");
            }
            LOG.info(() -> String.format("serving the sample on http://127.0.0.1:%d/ (started in %d ms)",
                    options.port(), (System.nanoTime() - started) / 1_000_000));
        }
    }

    private BindException portInUse(Throwable cause) {
        BindException e = new BindException("cannot listen on 127.0.0.1:" + options.port() + ": the port is in use");
        e.initCause(cause);
        return e;
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Undeploys the application (the module closes its WebSockets with 1001 "going away"), stops Tomcat and
     * deletes the temporary files. Idempotent.
     */
    void stop() {
        synchronized (lock) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (tomcat != null) {
                try {
                    tomcat.stop();
                    tomcat.destroy();
                } catch (LifecycleException e) {
                    LOG.log(Level.WARNING, "Tomcat did not stop cleanly", e);
                }
                tomcat = null;
            }
            if (connectorExecutor != null) {
                connectorExecutor.shutdown(); // Tomcat stops only executors it created itself
                connectorExecutor = null;
            }
            if (baseDir != null) {
                deleteRecursively(baseDir);
                baseDir = null;
            }
        }
    }

    /**
     * The same choice a standalone Tomcat makes with {@code jarsToSkip} in catalina.properties: of the jars in
     * WEB-INF/lib only the Switchboard module can carry web fragments, TLDs or classes that initializers look
     * for; the rest (Redisson, Netty, Jackson, ...) are libraries, and reading every class of them costs each
     * worker a second or more at every start. Its ServletContainerInitializer is found either way (through
     * ServiceLoader, not the scan); WEB-INF/classes (the annotated trigger servlet) is always scanned.
     */
    private static StandardJarScanFilter onlySwitchboardJars() {
        StandardJarScanFilter filter = new StandardJarScanFilter();
        filter.setTldSkip("*.jar");
        filter.setPluggabilitySkip("*.jar");
        filter.setPluggabilityScan("switchboard-*.jar");
        return filter;
    }

    /** {@code false}: Tomcat's own request pool, which completes every WebSocket send on a pool thread (see {@link ConnectorExecutor}). */
    private static final String INLINE_SEND_COMPLETIONS = "switchboard.demo.inline-send-completions";

    /** Prefix of the system properties that override connector attributes (see {@link #connector}). */
    private static final String CONNECTOR_PROPERTY = "switchboard.demo.connector.";

    /**
     * The HTTP connector on 127.0.0.1 (the demo is not meant to be reached from other machines).
     * Sized for many long-lived WebSockets rather than for short requests: with NIO an idle WebSocket holds a
     * connection slot but no thread, so the connection limit, not the thread pool, is what fills up.
     */
    private static Connector connector(int port) {
        Connector connector = new Connector(Http11NioProtocol.class.getName());
        connector.setPort(port);
        connector.setProperty("address", "127.0.0.1");
        // Fail the start if the port cannot be bound instead of logging and serving nothing.
        connector.setThrowOnFailure(true);
        // Default 8192; every open WebSocket counts, and file descriptors are the real limit (ulimit -n).
        connector.setProperty("maxConnections", "20000");
        // When a node dies its clients all reconnect to the others at once: queue them in the kernel
        // instead of refusing connections while the acceptor catches up (default 100).
        connector.setProperty("acceptCount", "1024");
        // Plain HTTP keep-alive for the API and the page: API clients publishing in a loop reuse their
        // connection (default 100 requests); idle keep-alive connections are dropped after 30 s.
        connector.setProperty("maxKeepAliveRequests", "1000");
        connector.setProperty("keepAliveTimeout", "30000");
        connector.setProperty("connectionTimeout", "20000");
        // Every connection, idle or not, keeps a read and a write buffer of these sizes for its whole life
        // (default 8192 each, 16 KiB of heap per WebSocket). What travels here is small: WebSocket frames of
        // a few hundred bytes (client requests, events) and short API requests. Larger payloads still pass,
        // in more (smaller) reads and writes. Measured with bench/run --scenarios connections: 14 KiB less
        // heap per idle connection at 1 KiB; 512 bytes saved about 1 KiB more and measured no costlier in
        // broadcast or rooms (bench/README.md).
        connector.setProperty("socket.appReadBufSize", "512");
        connector.setProperty("socket.appWriteBufSize", "512");
        // The request threads. With NIO a WebSocket holds no thread while idle; what runs here is short: HTTP
        // requests (the API answers asynchronously), inbound frames, and the completion of every outbound
        // frame, which Tomcat hands to this pool. With the default of 200, a broadcast to thousands of sockets
        // wakes up to 200 threads at once, each with its own stack and cold caches; a few threads per core
        // do the same work with less CPU (bench/run broadcast, 1,000 clients: 24 -> 18 µs of server CPU per
        // delivery at 20 events/s, p99 190-250 -> 67 ms at 100 events/s, with 8 threads instead of 200).
        // Measured with Tomcat's own pool; the worker normally runs those completions inline (ConnectorExecutor),
        // sized by these two attributes.
        connector.setProperty("maxThreads", "8");
        connector.setProperty("minSpareThreads", "4");
        // Any connector attribute can be overridden for tuning, e.g.
        // -Dswitchboard.demo.connector.maxThreads=16 (the attribute names of Tomcat's HTTP connector).
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith(CONNECTOR_PROPERTY))
                .forEach(name -> {
                    String attribute = name.substring(CONNECTOR_PROPERTY.length());
                    if (!connector.setProperty(attribute, System.getProperty(name))) {
                        throw new IllegalArgumentException("the HTTP connector has no attribute " + attribute);
                    }
                });
        return connector;
    }

    /** The launcher passes its pid: if it is killed outright, its workers must not keep the ports. */
    private static void stopWhenProcessEnds(long pid, Runnable stopAndExit) {
        ProcessHandle.of(pid).ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> {
                    LOG.warning(() -> "process " + pid + " ended; stopping");
                    stopAndExit.run();
                }),
                () -> {
                    LOG.warning(() -> "process " + pid + " is not running; stopping");
                    stopAndExit.run();
                });
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not delete " + root, e);
        }
    }
}
