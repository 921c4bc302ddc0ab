package io.switchboard.it.standalone;

import io.switchboard.publisher.Event;
import io.switchboard.publisher.SwitchboardPublisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a batch job does with the standalone publisher, run by StandalonePublisherIT in a plain JVM
 * whose class path is the module jar and its runtime dependencies only. Launched as a single source
 * file ({@code java -cp <module class path> PublishFromPlainJvm.java ...}), so it is also compiled
 * against nothing else. Configured from the environment ({@code SWITCHBOARD_REDIS}, ...).
 *
 * <p>Arguments: channel, user, count, idempotency key. It publishes {@code count} events to the
 * channel and to the user (the stages not awaited between publishes: order is the publisher's to
 * keep), then one batch twice with the same idempotency key, and prints what it got, one
 * {@code name value...} line each. It ends by returning from main: the JVM exits only if close()
 * left no thread behind that keeps it alive.
 */
public final class PublishFromPlainJvm {

    public static void main(String[] args) throws Exception {
        String channel = args[0];
        String user = args[1];
        int count = Integer.parseInt(args[2]);
        String idempotencyKey = args[3];
        for (String api : List.of("jakarta.servlet.ServletContext", "jakarta.websocket.Session")) {
            System.out.println("class " + api + " " + (loadable(api) ? "present" : "absent"));
        }

        try (SwitchboardPublisher publisher = SwitchboardPublisher.fromEnvironment()) {
            System.out.println("node " + publisher.nodeId());
            List<CompletableFuture<String>> toChannel = new ArrayList<>();
            List<CompletableFuture<String>> toUser = new ArrayList<>();
            for (int n = 0; n < count; n++) {
                toChannel.add(publisher.publish(channel, "tick", Map.of("n", n)).toCompletableFuture());
                toUser.add(publisher.toUser(user).publish("note", Map.of("n", n)).toCompletableFuture());
            }
            System.out.println("channel-offsets " + String.join(" ", joined(toChannel)));
            System.out.println("user-offsets " + String.join(" ", joined(toUser)));

            List<Event> batch = List.of(Event.toChannel(channel, "batch", Map.of("part", 1)),
                    Event.toChannel(channel, "batch", Map.of("part", 2)),
                    Event.toUser(user, "batch", Map.of("part", 3)));
            List<String> first = publisher.publish(batch, idempotencyKey).toCompletableFuture().get(30, TimeUnit.SECONDS);
            List<String> repeat = publisher.publish(batch, idempotencyKey).toCompletableFuture().get(30, TimeUnit.SECONDS);
            System.out.println("batch-first " + String.join(" ", first));
            System.out.println("batch-repeat " + String.join(" ", repeat));
        }
        System.out.println("closed");
    }

    private static List<String> joined(List<CompletableFuture<String>> stages) throws Exception {
        List<String> offsets = new ArrayList<>();
        for (CompletableFuture<String> stage : stages) {
            offsets.add(stage.get(30, TimeUnit.SECONDS));
        }
        return offsets;
    }

    private static boolean loadable(String className) {
        try {
            Class.forName(className, false, PublishFromPlainJvm.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
