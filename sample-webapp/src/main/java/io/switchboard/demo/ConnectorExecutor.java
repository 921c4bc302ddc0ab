package io.switchboard.demo;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.tomcat.util.threads.TaskQueue;
import org.apache.tomcat.util.threads.TaskThreadFactory;
import org.apache.tomcat.util.threads.ThreadPoolExecutor;

/**
 * The HTTP connector's request threads: Tomcat's own pool (its queue, its growth from {@code minSpareThreads}
 * to {@code maxThreads}), with one difference. Tomcat hands the completion of every asynchronous WebSocket
 * send to this pool, which wakes a thread for each outbound frame; on a broadcast that is most of the
 * process's context switches. Here that completion runs on the thread that finished the write instead
 * (bench/run broadcast, 2 nodes, 1,000 clients: 24.9 -> 20.5 and 20.7 µs of server CPU per delivery at 10 events/s,
 * 10.6 -> 8.3 and 8.4 µs at 100 events/s; see bench/README.md).
 *
 * <p>Why this is sound here and not for any application: the WebSocket specification has the container
 * complete a send on another thread so that an endpoint sending again from its completion callback cannot
 * recurse without bound. This process serves one WebSocket endpoint, Switchboard's, whose send queue
 * continues a completion that arrives inside its own send call in a loop rather than by recursion, and
 * never holds its lock while calling the container (see {@code ClientSession}). A Tomcat that also serves
 * other WebSocket endpoints should keep its own pool ({@code -Dswitchboard.demo.inline-send-completions=false}
 * does that here).
 *
 * <p>The completion is recognised by the class Tomcat wraps it in. Should a Tomcat version name it
 * differently, every task goes to the pool, as with Tomcat's executor; {@code ConnectorExecutorTest} fails
 * first.
 *
 * <p>Threading: {@link #execute} is called by Tomcat's poller, acceptor and request threads and by whichever
 * thread writes a WebSocket frame; the pool's threads are owned by this executor and stopped by
 * {@link #shutdown} after Tomcat has stopped.
 */
final class ConnectorExecutor implements Executor {
    /** Tomcat's wrapper of a {@code SendHandler} call ({@code WsRemoteEndpointImplServer.clearHandler}). */
    static final String SEND_COMPLETION = "org.apache.tomcat.websocket.server.WsRemoteEndpointImplServer$OnResultRunnable";

    private final ThreadPoolExecutor pool;

    ConnectorExecutor(String threadNamePrefix, int minSpareThreads, int maxThreads) {
        // What Tomcat's AbstractEndpoint.createExecutor builds for a connector without an executor of its own.
        TaskQueue queue = new TaskQueue();
        pool = new ThreadPoolExecutor(minSpareThreads, maxThreads, 60, TimeUnit.SECONDS, queue,
                new TaskThreadFactory(threadNamePrefix, true, Thread.NORM_PRIORITY));
        queue.setParent(pool);
    }

    /** Gives {@code connector} this executor, sized by the connector's own {@code minSpareThreads}/{@code maxThreads}. */
    static ConnectorExecutor installOn(Connector connector, String threadNamePrefix) {
        int minSpare = Integer.parseInt(String.valueOf(connector.getProperty("minSpareThreads")));
        int max = Integer.parseInt(String.valueOf(connector.getProperty("maxThreads")));
        ConnectorExecutor executor = new ConnectorExecutor(threadNamePrefix, Math.min(minSpare, max), max);
        if (!(connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol)) {
            throw new IllegalArgumentException("the connector's protocol takes no executor: " + connector.getProtocolHandler());
        }
        protocol.setExecutor(executor);
        return executor;
    }

    static boolean isSendCompletion(Runnable task) {
        return task.getClass().getName().equals(SEND_COMPLETION);
    }

    @Override
    public void execute(Runnable task) {
        if (isSendCompletion(task)) {
            task.run();
        } else {
            pool.execute(task);
        }
    }

    int maxThreads() {
        return pool.getMaximumPoolSize();
    }

    void shutdown() {
        pool.shutdown();
    }
}
