package io.switchboard.internal.testing;

import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A logger for a class under test that records the formatted WARN and INFO lines, and whether a stack trace
 * was attached to any of them; every other call does nothing.
 */
public final class RecordingLogger {
    /** The lines logged, formatted as SLF4J would, in order. */
    public final List<String> lines = new CopyOnWriteArrayList<>();
    /** Whether a Throwable was passed with any line (SLF4J would print its stack trace). */
    public volatile boolean throwableLogged;

    public Logger logger() {
        return (Logger) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Logger.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "isWarnEnabled", "isInfoEnabled" -> true;
                    case "warn", "info" -> {
                        Object[] arguments = args.length > 1 && args[1] instanceof Object[] array ? array
                                : Arrays.copyOfRange(args, 1, args.length);
                        for (Object argument : arguments) {
                            throwableLogged |= argument instanceof Throwable;
                        }
                        lines.add(MessageFormatter.arrayFormat((String) args[0], arguments).getMessage());
                        yield null;
                    }
                    case "getName" -> "test";
                    default -> null;
                });
    }
}
