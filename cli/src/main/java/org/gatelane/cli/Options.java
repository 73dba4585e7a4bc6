package org.gatelane.cli;

import picocli.CommandLine.ParameterException;

/** Option checks shared by the commands, each failing with a message that names the option. */
final class Options {

    private Options() {
    }

    static void atLeast(picocli.CommandLine.Model.CommandSpec spec, String option, long value, long minimum) {
        if (value < minimum) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + minimum + " but was " + value);
        }
    }

    static void within(picocli.CommandLine.Model.CommandSpec spec, String option, double value, double low,
                       boolean lowInclusive, double high, boolean highInclusive) {
        boolean ok = (lowInclusive ? value >= low : value > low) && (highInclusive ? value <= high : value < high);
        if (!ok || Double.isNaN(value)) {
            throw new ParameterException(spec.commandLine(), option + " must be in " + (lowInclusive ? "[" : "(") + low
                    + ", " + high + (highInclusive ? "]" : ")") + " but was " + value);
        }
    }

    /** Refuses to overwrite {@code file} unless {@code --force} was given: nothing saved is lost by accident. */
    static void refuseToReplace(picocli.CommandLine.Model.CommandSpec spec, java.nio.file.Path file, boolean force) {
        if (!force && java.nio.file.Files.exists(file)) {
            throw new ParameterException(spec.commandLine(), file + " already exists; pass --force to replace it");
        }
    }
}
