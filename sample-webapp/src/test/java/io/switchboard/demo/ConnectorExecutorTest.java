package io.switchboard.demo;

import jakarta.websocket.SendHandler;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.http11.Http11NioProtocol;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectorExecutorTest {

    /** Tomcat's own wrapper of a send completion, built the way Tomcat builds it (a private class). */
    private static Runnable tomcatSendCompletion(SendHandler handler) throws Exception {
        Class<?> type = Class.forName(ConnectorExecutor.SEND_COMPLETION);
        Constructor<?> constructor = type.getDeclaredConstructors()[0];
        constructor.setAccessible(true);
        Object[] arguments = new Object[constructor.getParameterCount()];
        for (int i = 0; i < arguments.length; i++) {
            if (constructor.getParameterTypes()[i] == SendHandler.class) {
                arguments[i] = handler;
            }
        }
        return (Runnable) constructor.newInstance(arguments);
    }

    @Test
    void theTomcatOnTheClassPathWrapsSendCompletionsInTheClassThisExecutorRecognises() throws Exception {
        Runnable completion = tomcatSendCompletion(result -> { });
        assertThat(ConnectorExecutor.isSendCompletion(completion)).isTrue();
        assertThat(ConnectorExecutor.isSendCompletion(() -> { })).isFalse();
    }

    @Test
    void aSendCompletionRunsOnTheCallingThreadAndEverythingElseOnThePool() throws Exception {
        ConnectorExecutor executor = new ConnectorExecutor("test-exec-", 1, 2);
        try {
            AtomicReference<Thread> completedOn = new AtomicReference<>();
            executor.execute(tomcatSendCompletion(result -> completedOn.set(Thread.currentThread())));
            assertThat(completedOn.get()).isSameAs(Thread.currentThread());

            CompletableFuture<String> request = new CompletableFuture<>();
            executor.execute(() -> request.complete(Thread.currentThread().getName()));
            assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("test-exec-");
        } finally {
            executor.shutdown();
        }
    }

    @Test
    void theConnectorGetsAPoolOfItsOwnSize() {
        Connector connector = new Connector(Http11NioProtocol.class.getName());
        connector.setProperty("maxThreads", "3");
        connector.setProperty("minSpareThreads", "2");
        ConnectorExecutor executor = ConnectorExecutor.installOn(connector, "test-exec-");
        try {
            assertThat(((AbstractProtocol<?>) connector.getProtocolHandler()).getExecutor()).isSameAs(executor);
            assertThat(executor.maxThreads()).isEqualTo(3);
        } finally {
            executor.shutdown();
        }
    }
}
