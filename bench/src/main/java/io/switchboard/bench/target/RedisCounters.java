package io.switchboard.bench.target;

import java.io.IOException;
import java.util.Map;

/**
 * What Redis counts of its own work ({@code INFO stats} and {@code INFO commandstats}), to tell apart what a step's
 * Redis CPU went to: {@code reads} is how often Redis read from a client socket, about once per wake-up (a command,
 * or several that arrived together); {@code commands} counts every command, those a script ran included;
 * {@code scriptMicros} is Redis's own time in script calls ({@code EVALSHA}, {@code EVAL}, their read-only
 * forms, {@code FCALL}), the commands they ran included. Counters only grow, so a step is the difference of two
 * readings and nothing is reset under the systems' feet.
 */
public record RedisCounters(long reads, long commands, long scriptMicros) {
    private static final String[] SCRIPT_COMMANDS = {"evalsha", "evalsha_ro", "eval", "eval_ro", "fcall", "fcall_ro"};

    public static RedisCounters read(RedisServer redis) throws IOException {
        Map<String, String> stats = redis.info("stats");
        return new RedisCounters(number(stats.get("total_reads_processed")),
                number(stats.get("total_commands_processed")), scriptMicros(redis.info("commandstats")));
    }

    /** {@code cmdstat_evalsha:calls=9208,usec=1166490,...}: the usec of the script commands, summed. */
    static long scriptMicros(Map<String, String> commandStats) {
        long micros = 0;
        for (String command : SCRIPT_COMMANDS) {
            String stat = commandStats.get("cmdstat_" + command);
            if (stat != null) {
                for (String part : stat.split(",")) {
                    if (part.startsWith("usec=")) {
                        micros += number(part.substring(5));
                    }
                }
            }
        }
        return micros;
    }

    public RedisCounters since(RedisCounters before) {
        return new RedisCounters(reads - before.reads, commands - before.commands, scriptMicros - before.scriptMicros);
    }

    private static long number(String value) {
        return value == null ? 0 : Long.parseLong(value.trim());
    }
}
