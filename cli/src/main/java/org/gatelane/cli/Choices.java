package org.gatelane.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import org.gatelane.core.model.Cell;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.TrainingSchedule;
import org.gatelane.core.train.TrainingSettings;

import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine;

/**
 * Enum-typed options, spelled in lower case on the command line: one converter for every enum an option takes,
 * and the candidates {@code ${COMPLETION-CANDIDATES}} lists in {@code --help}, both read off the enum itself.
 */
final class Choices {

    /** Every enum a command's option takes. */
    private static final List<Class<? extends Enum<?>>> TYPES = List.of(Cell.class, Optimizer.Kind.class,
            TrainingSchedule.Kind.class, Corpus.Unknown.class, TrainingSettings.NonFinitePolicy.class,
            LossPlot.Axis.class);

    private Choices() {
    }

    /** The command-line spelling of {@code value}: its name in lower case. */
    static String id(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** Lets every command of {@code commandLine} take each enum by its {@link #id}, in any case. */
    static void register(CommandLine commandLine) {
        for (Class<? extends Enum<?>> type : TYPES) {
            registerOne(commandLine, type);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerOne(CommandLine commandLine, Class type) {
        commandLine.registerConverter(type, text -> parse((Class<? extends Enum<?>>) type, text));
    }

    private static Enum<?> parse(Class<? extends Enum<?>> type, String text) {
        for (Enum<?> value : type.getEnumConstants()) {
            if (id(value).equalsIgnoreCase(text.trim())) {
                return value;
            }
        }
        throw new TypeConversionException("expected one of " + String.join(", ", ids(type)) + " but was '" + text
                + "'");
    }

    private static List<String> ids(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Choices::id).toList();
    }

    /** The candidates of one enum for {@code --help}; picocli builds each subclass with no arguments. */
    abstract static class Ids implements Iterable<String> {
        private final Class<? extends Enum<?>> type;

        Ids(Class<? extends Enum<?>> type) {
            this.type = type;
        }

        @Override
        public Iterator<String> iterator() {
            return ids(type).iterator();
        }
    }

    static final class Cells extends Ids {
        Cells() {
            super(Cell.class);
        }
    }

    static final class Optimizers extends Ids {
        Optimizers() {
            super(Optimizer.Kind.class);
        }
    }

    static final class Schedules extends Ids {
        Schedules() {
            super(TrainingSchedule.Kind.class);
        }
    }

    static final class UnknownPolicies extends Ids {
        UnknownPolicies() {
            super(Corpus.Unknown.class);
        }
    }

    static final class NonFinitePolicies extends Ids {
        NonFinitePolicies() {
            super(TrainingSettings.NonFinitePolicy.class);
        }
    }

    static final class Axes extends Ids {
        Axes() {
            super(LossPlot.Axis.class);
        }
    }
}
