package io.switchboard.demo;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a stop action exactly once when the process is asked to stop, then exits with status 0.
 *
 * <p>Why not only a shutdown hook: the JVM runs all hooks at once, and {@code java.util.logging} resets its
 * handlers in one of them, so whatever Tomcat and the module log while shutting down would be lost; and a
 * JVM ended by SIGTERM exits with 143, where a requested stop should report success. So SIGTERM and SIGINT
 * get a handler that stops first and calls {@link System#exit(int)} afterwards. A shutdown hook still runs
 * the same action for every other way out ({@code System.exit} elsewhere, the last thread ending).
 *
 * <p>The signal API ({@code sun.misc.Signal}, module {@code jdk.unsupported}) is reached reflectively so the
 * build stays free of internal-API warnings; where it is missing or refused (e.g. {@code -Xrs}) the shutdown
 * hook alone remains.
 *
 * <p>Threads: the action runs on the first thread that asks (a signal thread or the hook); every later caller
 * waits for it to finish, so a second Ctrl-C does not cut a graceful stop short.
 */
final class StopSignals {

    private static final Logger LOG = Logger.getLogger(StopSignals.class.getName());

    private StopSignals() {
    }

    /**
     * Installs the handlers and the hook.
     *
     * @return "stop, then exit with status 0", for other reasons to stop (the same single run of {@code stop})
     */
    static Runnable install(String name, Runnable stop) {
        Runnable once = once(stop);
        Runtime.getRuntime().addShutdownHook(new Thread(once, name + "-shutdown"));
        Runnable stopAndExit = () -> {
            once.run();
            System.exit(0);
        };
        for (String signal : new String[] {"TERM", "INT"}) {
            handle(signal, stopAndExit);
        }
        return stopAndExit;
    }

    /** {@code action} on the first call; later and concurrent calls wait until it has finished. */
    static Runnable once(Runnable action) {
        AtomicBoolean started = new AtomicBoolean();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        return () -> {
            if (started.compareAndSet(false, true)) {
                try {
                    action.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.WARNING, "stopping failed", e);
                } finally {
                    finished.complete(null);
                }
            } else {
                finished.join();
            }
        };
    }

    private static void handle(String signalName, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance(signalName);
            InvocationHandler invocation = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    action.run();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "stop on SIG" + signalName;
                default -> throw new UnsupportedOperationException(method.getName());
            };
            Object handler = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handlerClass}, invocation);
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, handler);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LOG.log(Level.FINE, "cannot handle SIG" + signalName + "; relying on the shutdown hook", e);
        }
    }
}
