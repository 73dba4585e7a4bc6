package org.gatelane.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import org.gatelane.core.train.TrainingSettings;

/** The options that define a run, by their command-line names: a resume must keep each that it is given. */
final class ResumeConflicts {

    private static final Map<String, Function<TrainingSettings, Object>> DEFINING = definingOptions();

    private ResumeConflicts() {
    }

    private static Map<String, Function<TrainingSettings, Object>> definingOptions() {
        Map<String, Function<TrainingSettings, Object>> options = new LinkedHashMap<>();
        options.put("--cell", TrainingSettings::cell);
        options.put("--hidden", TrainingSettings::hidden);
        options.put("--layers", TrainingSettings::layers);
        options.put("--seq-length", TrainingSettings::seqLength);
        options.put("--batch-size", TrainingSettings::batchSize);
        options.put("--stream-groups", TrainingSettings::streamGroups);
        options.put("--optimizer", TrainingSettings::optimizer);
        options.put("--lr-schedule", TrainingSettings::schedule);
        options.put("--lr", TrainingSettings::learningRate);
        options.put("--lr-decay", TrainingSettings::learningRateDecay);
        options.put("--cosine-steps", TrainingSettings::horizon);
        options.put("--warmup", TrainingSettings::warmup);
        options.put("--patience", TrainingSettings::patience);
        options.put("--early-stop", TrainingSettings::earlyStop);
        options.put("--clip", TrainingSettings::clip);
        options.put("--dropout", TrainingSettings::dropout);
        options.put("--val-fraction", TrainingSettings::valFraction);
        options.put("--init-from", TrainingSettings::initFrom);
        options.put("--forget-bias", TrainingSettings::forgetBias);
        options.put("--seed", TrainingSettings::seed);
        options.put("--on-nonfinite", TrainingSettings::onNonFinite);
        return options;
    }

    /**
     * The options in {@code given} whose value in {@code requested} differs from the {@code saved} run's, as
     * {@code --lr 0.01 (saved: 0.002)}.
     */
    static List<String> of(TrainingSettings saved, TrainingSettings requested, Set<String> given) {
        List<String> conflicts = new ArrayList<>();
        DEFINING.forEach((option, value) -> {
            if (given.contains(option) && !Objects.equals(value.apply(saved), value.apply(requested))) {
                conflicts.add(option + " " + display(value.apply(requested)) + " (saved: " + display(value.apply(saved))
                        + ")");
            }
        });
        return conflicts;
    }

    private static String display(Object value) {
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }
}
