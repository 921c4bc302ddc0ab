package io.switchboard.bench.target;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a JVM this benchmark starts: the {@code java} of the JDK running the benchmark, and
 * {@code --watch-pid} with the benchmark's own pid last, so that the server ends when the benchmark does, even
 * when the benchmark is killed.
 */
final class JavaCommand {

    private JavaCommand() {
    }

    static List<String> of(List<String> jvmOptions, String classPath, String mainClass, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Jcmd.javaHomeTool("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, mainClass));
        command.addAll(List.of(arguments));
        command.addAll(List.of("--watch-pid", String.valueOf(ProcessHandle.current().pid())));
        return command;
    }
}
