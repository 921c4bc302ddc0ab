package io.switchboard.bench.target;

import java.io.IOException;
import java.net.InetSocketAddress;
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
public final class FloorCluster implements Cluster {
    private final ChildProcess server;
    private final List<InetSocketAddress> nodes;

    private FloorCluster(ChildProcess server, List<InetSocketAddress> nodes) {
        this.server = server;
        this.nodes = nodes;
    }

    /**
     * Starts the floor server with {@code count} ports and event loops and waits for {@code FLOOR READY}.
     *
     * @param jvmOptions the server JVM's options (heap size)
     */
    public static FloorCluster start(int count, List<String> jvmOptions, Path logDir) throws IOException {
        List<InetSocketAddress> nodes = new ArrayList<>();
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int port = Ports.free();
            ports.add(String.valueOf(port));
            nodes.add(new InetSocketAddress("127.0.0.1", port));
        }
        List<String> command = new ArrayList<>();
        command.add(Jcmd.javaHomeTool("java"));
        command.addAll(jvmOptions);
        // This process's own class path holds the server class and the same Netty.
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.switchboard.bench.floor.FloorServer",
                "--ports", String.join(",", ports), "--threads", String.valueOf(count),
                "--watch-pid", String.valueOf(ProcessHandle.current().pid())));
        ChildProcess server = ChildProcess.start("floor", command, null, Map.of(), logDir.resolve("floor.log"));
        FloorCluster cluster = new FloorCluster(server, nodes);
        try {
            server.awaitLine(line -> line.startsWith("FLOOR READY"), Duration.ofSeconds(60));
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    @Override
    public String system() {
        return "floor";
    }

    @Override
    public List<InetSocketAddress> nodes() {
        return nodes;
    }

    @Override
    public List<Long> serverPids() {
        return List.of(server.pid());
    }

    @Override
    public long heapAfterGc() throws IOException {
        return Jcmd.heapAfterGc(server.pid());
    }

    @Override
    public void close() {
        server.close();
    }
}
