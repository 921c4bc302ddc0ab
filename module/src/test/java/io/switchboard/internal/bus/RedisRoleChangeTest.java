package io.switchboard.internal.bus;

import io.switchboard.internal.protocol.Offset;
import io.switchboard.internal.protocol.Topic;
import io.switchboard.testkit.Await;
import io.switchboard.testkit.FreePorts;
import io.switchboard.testkit.redis.RedisServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A master that keeps its process but not its data: cut off from its replica, which is promoted, then made a
 * replica of it (its data replaced by the new master's) and promoted again. Its run_id never changed, but what it
 * acknowledged while cut off is gone: the channel must move to a newer epoch, and an offset from the cut must be
 * told it lost events.
 */
class RedisRoleChangeTest {
    private final Topic topic = Topic.channel("orders");

    @Test
    void aMasterDemotedAndPromotedAgainMovesTheChannelToANewerEpochAndNeverHandsOutAnOffsetTwice(@TempDir Path dir)
            throws Exception {
        RedisServerProcess a = RedisServerProcess.start("RedisRoleChangeTest-a", FreePorts.one(), settings(dir, "a"));
        RedisServerProcess b = null;
        RedisBus bus = null;
        try {
            List<String> replica = settings(dir, "b");
            replica.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(a.port())));
            b = RedisServerProcess.start("RedisRoleChangeTest-b", FreePorts.one(), replica);
            RedisServerProcess b0 = b;
            Await.until("b in sync with a", () -> "up".equals(b0.info("replication", "master_link_status")));
            String runId = a.info("server", "run_id");
            bus = new RedisBus(RedisClients.fromUrl(a.url(), "role"), "r", 1000, Duration.ofHours(1));
            bus.start(message -> { });

            List<Offset> before = events(bus).publish(8);
            assertThat(a.command("WAIT", "1", "10000")).as("replicas that have 1..8").isEqualTo(1L);
            b.command("REPLICAOF", "NO", "ONE"); // b cut off and promoted
            before.addAll(events(bus).publish(2)); // 9 and 10: acknowledged by a alone
            a.command("REPLICAOF", "127.0.0.1", Integer.toString(b.port()));
            String meta = RedisKeys.key("r", topic, "meta");
            Await.until("a in sync with b, holding b's data (seq 8)", () ->
                    "up".equals(a.info("replication", "master_link_status"))
                            && "8".equals(String.valueOf(a.command("HGET", meta, "seq"))));
            a.command("REPLICAOF", "NO", "ONE");
            assertThat(a.info("server", "run_id")).as("the same process all along").isEqualTo(runId);

            List<Offset> after = events(bus).publishOnceWritable(2, "the promotion");
            Offset cut = before.get(9);
            assertThat(after.get(0).epoch()).as("a new epoch after the role change").isNotEqualTo(cut.epoch());
            assertThat(after.get(0).seq()).as("continuing what a holds now").isEqualTo(9);
            assertThat(after.get(0).isAfter(cut)).as("%s comes after %s", after.get(0), cut).isTrue();
            Set<String> handedOut = new HashSet<>();
            before.forEach(offset -> handedOut.add(offset.toString()));
            after.forEach(offset -> assertThat(handedOut.add(offset.toString())).as("%s handed out twice", offset).isTrue());

            // From the cut: 9 and 10 are gone, the client is told; what is new to it follows the old epoch's end.
            History lost = history(bus, cut);
            assertThat(lost.recovered()).isFalse();
            assertThat(lost.placement().onLine()).isFalse();
            assertThat(lost.events()).extracting(BusMessage::offset).containsExactlyElementsOf(after);
            // From what the replica had: on the line (a failover with replicas is never counted durable).
            History kept = history(bus, before.get(7));
            assertThat(kept.placement().onLine()).isTrue();
            assertThat(kept.events()).extracting(BusMessage::offset).containsExactlyElementsOf(after);
        } finally {
            if (bus != null) {
                bus.close();
            }
            if (b != null) {
                b.close();
            }
            a.close();
        }
    }

    /** No persistence; a replica's sync still writes an RDB file, into the test's directory. */
    private static List<String> settings(Path dir, String name) throws Exception {
        List<String> settings = new ArrayList<>(RedisServerProcess.noPersistence());
        settings.addAll(List.of("--dir", Files.createDirectories(dir.resolve(name)).toAbsolutePath().toString()));
        return settings;
    }

    private History history(RedisBus bus, Offset since) throws Exception {
        return bus.history(topic, Optional.of(since), 100).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private NumberedEvents events(RedisBus bus) {
        return new NumberedEvents(bus, topic);
    }
}
