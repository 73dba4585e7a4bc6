package org.gatelane.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.gatelane.core.train.TrainingSettings;

/** What a resume must keep, from core's table of settings: the options given that differ from the saved run. */
final class ResumeConflicts {

    private ResumeConflicts() {
    }

    /**
     * The options {@code given} on the command line whose value in {@code requested} differs from the
     * {@code saved} run's, as {@code --lr 0.01 (saved: 0.002)}.
     */
    static List<String> of(TrainingSettings saved, TrainingSettings requested, Predicate<String> given) {
        List<String> conflicts = new ArrayList<>();
        for (TrainingSettings.Setting setting : saved.differences(requested)) {
            if (setting.option() != null && given.test(setting.option())) {
                conflicts.add(setting.option() + " " + display(setting.of(requested)) + " (saved: "
                        + display(setting.of(saved)) + ")");
            }
        }
        return conflicts;
    }

    private static String display(Object value) {
        return value instanceof Enum<?> e ? Choices.id(e) : String.valueOf(value);
    }
}
