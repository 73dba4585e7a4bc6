package org.gatelane.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import org.gatelane.core.model.Cell;
import org.gatelane.core.train.Optimizer;
import org.gatelane.core.train.TrainingSchedule;


/**
 * The options a training run is defined by; saved in every checkpoint so a resume continues identically. What
 * may change on resume (how long to train, threads, how often to save, sample, log and plot) is not here.
 *
 * @param cell         the recurrent cell of every layer
 * @param streamGroups how many groups the streams are cut into; threads share them, so it fixes the results
 * @param forgetBias   the forget-gate bias of char-rnn's initialisation, or NaN for PyTorch's initialisation
 * @param valText      the validation text's path, or empty to hold out {@code valFraction} of the text
 * @param initFrom     the model the weights started from, or empty for a fresh initialisation
 * @param horizon      the iterations a cosine schedule descends over
 */
record TrainingSettings(Cell cell, int hidden, int layers, int seqLength, int batchSize, int streamGroups,
                        Optimizer.Kind optimizer, TrainingSchedule.Kind schedule, float learningRate,
                        float learningRateDecay, int warmup, int patience, int earlyStop, float clip, float dropout,
                        double valFraction, String valText, String initFrom, float forgetBias, long seed,
                        NonFinitePolicy onNonFinite, long horizon) {

    /** What a step with a NaN or infinite loss or gradient does to the run. */
    enum NonFinitePolicy {
        /** End the run with the error; the last checkpoint stays as it was. */
        STOP,
        /** Return to the last validation's parameters and optimizer state, halve the rate, go on. */
        ROLLBACK
    }

    /** The options that define a run, by their command-line names, with how to read each from settings. */
    private static final Map<String, Function<TrainingSettings, Object>> DEFINING = definingOptions();

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

    /** Whether {@code option} is one a resumed run must keep. */
    static boolean defines(String option) {
        return DEFINING.containsKey(option);
    }

    /**
     * The options in {@code given} whose value in {@code requested} differs from this run's, as
     * {@code --lr 0.01 (saved: 0.002)}.
     */
    List<String> conflicts(TrainingSettings requested, Set<String> given) {
        List<String> conflicts = new ArrayList<>();
        DEFINING.forEach((option, value) -> {
            if (given.contains(option) && !Objects.equals(value.apply(this), value.apply(requested))) {
                conflicts.add(option + " " + display(value.apply(requested)) + " (saved: " + display(value.apply(this))
                        + ")");
            }
        });
        return conflicts;
    }

    private static String display(Object value) {
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    Map<String, String> toOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("cell", cell.id());
        options.put("hidden", Integer.toString(hidden));
        options.put("layers", Integer.toString(layers));
        options.put("seqLength", Integer.toString(seqLength));
        options.put("batchSize", Integer.toString(batchSize));
        options.put("streamGroups", Integer.toString(streamGroups));
        options.put("optimizer", optimizer.name());
        options.put("schedule", schedule.name());
        options.put("learningRate", Float.toString(learningRate));
        options.put("learningRateDecay", Float.toString(learningRateDecay));
        options.put("warmup", Integer.toString(warmup));
        options.put("patience", Integer.toString(patience));
        options.put("earlyStop", Integer.toString(earlyStop));
        options.put("clip", Float.toString(clip));
        options.put("dropout", Float.toString(dropout));
        options.put("valFraction", Double.toString(valFraction));
        options.put("valText", valText);
        options.put("initFrom", initFrom);
        options.put("forgetBias", Float.toString(forgetBias));
        options.put("seed", Long.toString(seed));
        options.put("onNonFinite", onNonFinite.name());
        options.put("horizon", Long.toString(horizon));
        return options;
    }

    /**
     * The settings saved in a checkpoint. Checkpoints of format 1 predate the options after {@code seed}; they
     * read as what those runs did: one stream group, a step or constant schedule, no dropout, an open forget
     * gate of 1, stop on non-finite values; checkpoints without a cell trained an LSTM.
     */
    static TrainingSettings fromOptions(Map<String, String> options) {
        try {
            float decay = Float.parseFloat(get(options, "learningRateDecay", null));
            int batchSize = Integer.parseInt(get(options, "batchSize", null));
            return new TrainingSettings(Cell.of(get(options, "cell", "lstm")), Integer.parseInt(get(options, "hidden", null)),
                    Integer.parseInt(get(options, "layers", null)), Integer.parseInt(get(options, "seqLength", null)),
                    batchSize, Integer.parseInt(get(options, "streamGroups", "1")),
                    Optimizer.Kind.valueOf(get(options, "optimizer", null)),
                    TrainingSchedule.Kind.valueOf(get(options, "schedule", decay == 1f ? "CONSTANT" : "STEP")),
                    Float.parseFloat(get(options, "learningRate", null)), decay,
                    Integer.parseInt(get(options, "warmup", "0")), Integer.parseInt(get(options, "patience", "1")),
                    Integer.parseInt(get(options, "earlyStop", "0")), Float.parseFloat(get(options, "clip", null)),
                    Float.parseFloat(get(options, "dropout", "0")),
                    Double.parseDouble(get(options, "valFraction", null)), get(options, "valText", ""),
                    get(options, "initFrom", ""), Float.parseFloat(get(options, "forgetBias", "1")),
                    Long.parseLong(get(options, "seed", null)),
                    NonFinitePolicy.valueOf(get(options, "onNonFinite", "STOP")),
                    Long.parseLong(get(options, "horizon", "1")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the checkpoint's training options are unreadable: " + e.getMessage());
        }
    }

    private static String get(Map<String, String> options, String key, String absent) {
        String value = options.getOrDefault(key, absent);
        if (value == null) {
            throw new IllegalArgumentException("the checkpoint has no training option '" + key + "'");
        }
        return value;
    }

    TrainingSchedule.Settings scheduleSettings(long chunksPerEpoch) {
        return new TrainingSchedule.Settings(schedule, learningRate, learningRateDecay, chunksPerEpoch,
                Math.max(1, horizon), warmup, patience);
    }
}
