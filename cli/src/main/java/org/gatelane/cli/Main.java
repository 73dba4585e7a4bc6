package org.gatelane.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;

import org.gatelane.core.train.NonFiniteException;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code gatelane} command: train, sample, eval. */
@Command(name = "gatelane", mixinStandardHelpOptions = true, version = "gatelane 0.1.0",
        description = "Train and run character-level LSTM, GRU and RNN language models on the CPU.",
        subcommands = {TrainCommand.class, SampleCommand.class, EvalCommand.class, ImportCommand.class,
                ExportCommand.class, ServeCommand.class})
public final class Main {

    /** Exit code of bad input or a failed run; usage errors exit with picocli's 2. */
    static final int FAILED = 1;

    /** When the command began, which {@code --time} counts from. */
    private static volatile Instant commandStart = Instant.now();

    /** The environment variable the launcher sets, to the epoch milliseconds, when it has just built the jar. */
    static final String BUILT_AT = "GATELANE_BUILT_AT_MS";

    public static void main(String[] args) {
        Instant processStart = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                budgetStart(processStart, System.getenv(BUILT_AT))));
    }

    /**
     * Where {@code --time} starts counting: the process's start, since the JVM's start-up is part of what a user's
     * budget buys, but not before the end of a build the launcher ran first in the same process (it execs the
     * JVM), which on a fresh checkout takes a minute or two of a first run's budget.
     */
    static Instant budgetStart(Instant processStart, String builtAtMillis) {
        if (builtAtMillis == null) {
            return processStart;
        }
        try {
            Instant builtAt = Instant.ofEpochMilli(Long.parseLong(builtAtMillis.trim()));
            return builtAt.isAfter(processStart) ? builtAt : processStart;
        } catch (NumberFormatException e) {
            return processStart;
        }
    }

    /** Runs the command with the given streams and returns its exit code; never throws. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Instant.now());
    }

    /** When the running command began: its process's start, or its call when run in-process. */
    static Instant commandStart() {
        return commandStart;
    }

    /** As {@link #run(String[], PrintWriter, PrintWriter)}, with {@code --time} counting from {@code started}. */
    static int run(String[] args, PrintWriter out, PrintWriter err, Instant started) {
        commandStart = started;
        CommandLine commandLine = new CommandLine(new Main());
        Choices.register(commandLine);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("gatelane: " + message(e));
            return FAILED;
        });
        commandLine.setParameterExceptionHandler((e, args2) -> {
            e.getCommandLine().getErr().println("gatelane: " + e.getMessage()
                    + " (see " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return CommandLine.ExitCode.USAGE;
        });
        int code = commandLine.execute(args);
        if (out.checkError() && code == 0) {
            err.println("gatelane: " + CLOSED_OUTPUT);
            return FAILED;
        }
        return code;
    }

    /** Why a command stopped when its standard output could not be written. */
    static final String CLOSED_OUTPUT = "cannot write to standard output (a closed pipe or a full disk)";

    /**
     * Ends a command whose standard output can no longer be written (a reader that went away, a full disk), so
     * that nothing runs on with nobody to read it; checked after every flush of a long output.
     *
     * @throws UncheckedIOException saying so, which ends the command with one line and exit code 1
     */
    static void requireWritable(PrintWriter out) {
        if (out.checkError()) {
            throw new UncheckedIOException(new IOException(CLOSED_OUTPUT));
        }
    }

    /** One line that names the problem; a stack trace helps no one at a terminal. */
    static String message(Throwable e) {
        Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
        return switch (cause) {
            case NoSuchFileException missing -> missing.getFile() + " does not exist";
            case AccessDeniedException denied -> denied.getFile() + " cannot be read or written: permission denied";
            case NonFiniteException diverged -> "training diverged: " + diverged.getMessage();
            case IllegalArgumentException bad -> bad.getMessage();
            case IOException io when CLOSED_OUTPUT.equals(io.getMessage()) -> CLOSED_OUTPUT;
            case IOException io -> "I/O error: " + io.getMessage();
            default -> cause.toString();
        };
    }
}
