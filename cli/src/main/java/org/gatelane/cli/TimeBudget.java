package org.gatelane.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** A duration as people write it ({@code 90s}, {@code 10m}, {@code 1.5h}), for {@code --time} and {@code --checkpoint-every}. */
final class TimeBudget {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)([smh])");

    private TimeBudget() {
    }

    /** Whether {@code text} has a duration's form (its range is {@link #parse}'s to check). */
    static boolean hasTheForm(String text) {
        return DURATION.matcher(text.trim()).matches();
    }

    static Duration parse(CommandSpec spec, String option, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new ParameterException(spec.commandLine(), option + " must be a number and a unit, s, m or h "
                    + "(90s, 10m, 1.5h), but was '" + text + "'");
        }
        double seconds = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            default -> 3600;
        };
        if (!(seconds >= 1) || seconds > 366 * 24 * 3600.0) {
            throw new ParameterException(spec.commandLine(), option + " must be between 1s and a year but was '"
                    + text + "'");
        }
        return Duration.ofMillis(Math.round(seconds * 1000));
    }
}
