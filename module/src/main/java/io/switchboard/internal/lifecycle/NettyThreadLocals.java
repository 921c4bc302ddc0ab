package io.switchboard.internal.lifecycle;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;

/**
 * Netty, inside Redisson, attaches a thread-local map to every thread that calls into it. On a
 * container thread (deploying the application, serving a request or a WebSocket frame) that map
 * would outlive an undeploy and pin the web application's class loader, which Tomcat reports as
 * a leak. Code that calls the bus from a container thread releases it when done.
 */
public final class NettyThreadLocals {

    private NettyThreadLocals() {
    }

    /** Drops this thread's Netty thread-locals, unless it is one of Netty's own threads. Cheap when there are none. */
    public static void release() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            FastThreadLocal.removeAll();
        }
    }
}
