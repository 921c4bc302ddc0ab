package io.switchboard.bench.target;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The floor: {@code io.switchboard.bench.floor.FloorServer} in a JVM of its own (so its CPU is read from /proc
 * like the systems under test), one port per node and as many event loops as nodes. It speaks Switchboard's
 * protocol and HTTP trigger, so the generator drives it as it drives Switchboard.
 */
public final class FloorCluster extends ChildProcessCluster {

    private FloorCluster() {
        super("floor");
    }

    /**
     * Starts the floor server with {@code count} ports and event loops and waits for {@code FLOOR READY}.
     *
     * @param jvmOptions the server JVM's options (heap size)
     */
    public static FloorCluster start(int count, List<String> jvmOptions, Path logDir) throws IOException {
        return startOrClose(new FloorCluster(), cluster -> {
            List<String> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int port = Ports.free();
                ports.add(String.valueOf(port));
                cluster.addNode(port);
            }
            // This process's own class path holds the server class and the same Netty.
            cluster.start("floor", JavaCommand.of(jvmOptions, System.getProperty("java.class.path"),
                            "io.switchboard.bench.floor.FloorServer",
                            "--ports", String.join(",", ports), "--threads", String.valueOf(count)),
                    null, Map.of(), logDir.resolve("floor.log"));
            cluster.awaitReadyLine("FLOOR READY", Duration.ofSeconds(60));
        });
    }
}
