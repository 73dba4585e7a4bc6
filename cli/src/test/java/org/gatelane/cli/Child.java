package org.gatelane.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code gatelane} command in a child JVM on this test's class path, for kills, signals and locks. */
final class Child {

    private Child() {
    }

    /** The command line that runs {@code gatelane args...} in a child JVM. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Starts {@code gatelane args...}, its standard error merged into its output. */
    static Process start(String... args) throws IOException {
        return new ProcessBuilder(command(args)).redirectErrorStream(true).start();
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
                "java").toString());
    }
}
