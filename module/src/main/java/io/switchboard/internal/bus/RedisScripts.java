package io.switchboard.internal.bus;

import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The Lua scripts of this package's resources ({@link #load}), and their calls through one Redisson client:
 * every value a string ({@link StringCodec}), a refused call a {@link BusUnavailableException} that says what
 * Redis refused.
 *
 * <p>Threading: no state but Redisson's script service; replies are read on Redisson's threads.
 */
final class RedisScripts {
    private final RScript scripts;

    RedisScripts(RedissonClient redisson) {
        this.scripts = redisson.getScript(StringCodec.INSTANCE);
    }

    /**
     * Runs {@code script} read-write on {@code keys}, all of one hash slot (in Redis Cluster the call goes to the
     * node of the first), with {@code args}; the stage holds the script's reply as a list.
     *
     * @param what what the call is, for the refusal's message (e.g. {@code presence call})
     */
    CompletionStage<List<Object>> call(String what, String script, List<Object> keys, Object... args) {
        RFuture<List<Object>> result = scripts.evalAsync(keys.get(0).toString(), RScript.Mode.READ_WRITE, script,
                RScript.ReturnType.LIST, keys, args);
        return result.handle((reply, error) -> {
            if (error != null) {
                throw new BusUnavailableException("Redis refused the " + what + ": " + error.getMessage(), error);
            }
            return reply;
        });
    }

    /** A Lua script of this package's resources. */
    static String load(String name) {
        try (InputStream in = RedisScripts.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
