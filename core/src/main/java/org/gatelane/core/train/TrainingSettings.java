package org.gatelane.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;

/**
 * The options a training run is defined by; saved in every checkpoint so a resume continues identically. What
 * may change on resume (how long to train, threads, how often to save, sample, log and plot) is not here.
 *
 * @param cell         the recurrent cell of every layer
 * @param streamGroups how many groups the streams are cut into; threads share them, so it fixes the results
 * @param forgetBias   the forget-gate bias of char-rnn's initialisation, or NaN for PyTorch's initialisation
 * @param valText      the validation text's path, or empty to hold out {@code valFraction} of the text
 * @param initFrom     the model the weights started from, or empty for a fresh initialisation
 * @param horizon      the iterations a cosine, linear or cooldown schedule descends over
 * @param timeBudgetSeconds the wall time the run trains for, start-up included, or 0 for no time budget; cosine,
 *                     linear and cooldown schedules then descend to its end instead of over {@code horizon}
 * @param restartEvery the chunks between one stream's restarts from a zero state within an epoch, or 0 for restarts
 *                     at epochs only (see {@link org.gatelane.core.text.TextBatches})
 * @param dropoutAfter the passes over the training text before dropout begins, 0 for dropout from the first step
 */
public record TrainingSettings(Cell cell, int hidden, int layers, int seqLength, int batchSize, int streamGroups,
                               Optimizer.Kind optimizer, TrainingSchedule.Kind schedule, float learningRate,
                               float learningRateDecay, int warmup, int patience, int earlyStop, float clip,
                               float dropout, double valFraction, String valText, String initFrom, float forgetBias,
                               long seed, NonFinitePolicy onNonFinite, long horizon, double timeBudgetSeconds,
                               int restartEvery, int dropoutAfter) {

    /** What a step with a NaN or infinite loss or gradient does to the run. */
    public enum NonFinitePolicy {
        /** End the run with the error; the last checkpoint stays as it was. */
        STOP,
        /** Return to the last validation's parameters and optimizer state, halve the rate, go on. */
        ROLLBACK
    }

    /**
     * Every setting of a run, in the record's order: its key in a checkpoint, the {@code gatelane train} option
     * that sets it (null for one a resume may change), how to read it back, and what a checkpoint written before
     * the setting existed means by its absence (null where every checkpoint has it). This one table drives what a
     * checkpoint records ({@link #toOptions}), how it reads ({@link #fromOptions}) and what a resume must keep
     * ({@link #differences}).
     */
    public enum Setting {
        CELL("cell", "--cell", TrainingSettings::cell, Cell::of, "lstm"),
        HIDDEN("hidden", "--hidden", TrainingSettings::hidden, Integer::parseInt, null),
        LAYERS("layers", "--layers", TrainingSettings::layers, Integer::parseInt, null),
        SEQ_LENGTH("seqLength", "--seq-length", TrainingSettings::seqLength, Integer::parseInt, null),
        BATCH_SIZE("batchSize", "--batch-size", TrainingSettings::batchSize, Integer::parseInt, null),
        STREAM_GROUPS("streamGroups", "--stream-groups", TrainingSettings::streamGroups, Integer::parseInt, "1"),
        OPTIMIZER("optimizer", "--optimizer", TrainingSettings::optimizer, Optimizer.Kind::valueOf, null),
        /** Before it was saved, a run decayed in steps exactly when its decay was below 1. */
        SCHEDULE("schedule", "--lr-schedule", TrainingSettings::schedule, TrainingSchedule.Kind::valueOf, null),
        LEARNING_RATE("learningRate", "--lr", TrainingSettings::learningRate, Float::parseFloat, null),
        LEARNING_RATE_DECAY("learningRateDecay", "--lr-decay", TrainingSettings::learningRateDecay, Float::parseFloat,
                null),
        WARMUP("warmup", "--warmup", TrainingSettings::warmup, Integer::parseInt, "0"),
        PATIENCE("patience", "--patience", TrainingSettings::patience, Integer::parseInt, "1"),
        EARLY_STOP("earlyStop", "--early-stop", TrainingSettings::earlyStop, Integer::parseInt, "0"),
        CLIP("clip", "--clip", TrainingSettings::clip, Float::parseFloat, null),
        DROPOUT("dropout", "--dropout", TrainingSettings::dropout, Float::parseFloat, "0"),
        VAL_FRACTION("valFraction", "--val-fraction", TrainingSettings::valFraction, Double::parseDouble, null),
        VAL_TEXT("valText", null, TrainingSettings::valText, String::valueOf, ""),
        INIT_FROM("initFrom", "--init-from", TrainingSettings::initFrom, String::valueOf, ""),
        /** Before it was saved, every run opened the forget gate with 1. */
        FORGET_BIAS("forgetBias", "--forget-bias", TrainingSettings::forgetBias, Float::parseFloat, "1"),
        SEED("seed", "--seed", TrainingSettings::seed, Long::parseLong, null),
        ON_NON_FINITE("onNonFinite", "--on-nonfinite", TrainingSettings::onNonFinite, NonFinitePolicy::valueOf,
                "STOP"),
        HORIZON("horizon", "--cosine-steps", TrainingSettings::horizon, Long::parseLong, "1"),
        TIME_BUDGET("timeBudgetSeconds", "--time", TrainingSettings::timeBudgetSeconds, Double::parseDouble, "0"),
        /** Before it was saved, streams started from zeros at epochs only. */
        RESTART_EVERY("restartEvery", "--restart-every", TrainingSettings::restartEvery, Integer::parseInt, "0"),
        /** Before it was saved, dropout began at the first step. */
        DROPOUT_AFTER("dropoutAfter", "--dropout-after", TrainingSettings::dropoutAfter, Integer::parseInt, "0");

        private final String key;
        private final String option;
        private final Function<TrainingSettings, Object> value;
        private final Function<String, Object> parser;
        private final String absent;

        Setting(String key, String option, Function<TrainingSettings, Object> value, Function<String, Object> parser,
                String absent) {
            this.key = key;
            this.option = option;
            this.value = value;
            this.parser = parser;
            this.absent = absent;
        }

        /** The key in a checkpoint's string pairs. */
        public String key() {
            return key;
        }

        /** The {@code gatelane train} option that sets it, or null if a resume may change it. */
        public String option() {
            return option;
        }

        /** This setting's value in {@code settings}. */
        public Object of(TrainingSettings settings) {
            return value.apply(settings);
        }

        /** The value as a checkpoint writes it: enums by name, cells by id. */
        String text(TrainingSettings settings) {
            Object v = of(settings);
            return v instanceof Cell c ? c.id() : v instanceof Enum<?> e ? e.name() : String.valueOf(v);
        }
    }

    /** The settings as the string pairs a checkpoint keeps. */
    public Map<String, String> toOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            options.put(setting.key, setting.text(this));
        }
        return options;
    }

    /**
     * The settings saved in a checkpoint; a setting that an older checkpoint lacks reads as what those runs did
     * (see {@link Setting}).
     *
     * @throws IllegalArgumentException naming the setting that is missing or unreadable
     */
    public static TrainingSettings fromOptions(Map<String, String> options) {
        Object[] v = new Object[Setting.values().length];
        for (Setting setting : Setting.values()) {
            String text = options.get(setting.key);
            if (text == null && setting == Setting.SCHEDULE) {
                text = isOne(options.get(Setting.LEARNING_RATE_DECAY.key)) ? "CONSTANT" : "STEP";
            }
            if (text == null) {
                text = setting.absent;
            }
            if (text == null) {
                throw new IllegalArgumentException("the checkpoint has no training option '" + setting.key + "'");
            }
            try {
                v[setting.ordinal()] = setting.parser.apply(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the checkpoint's training options are unreadable: " + setting.key
                        + " '" + text + "': " + e.getMessage());
            }
        }
        return new TrainingSettings((Cell) v[0], (Integer) v[1], (Integer) v[2], (Integer) v[3], (Integer) v[4],
                (Integer) v[5], (Optimizer.Kind) v[6], (TrainingSchedule.Kind) v[7], (Float) v[8], (Float) v[9],
                (Integer) v[10], (Integer) v[11], (Integer) v[12], (Float) v[13], (Float) v[14], (Double) v[15],
                (String) v[16], (String) v[17], (Float) v[18], (Long) v[19], (NonFinitePolicy) v[20], (Long) v[21],
                (Double) v[22], (Integer) v[23], (Integer) v[24]);
    }

    /** Whether {@code text} reads as the float 1; a missing or unreadable decay is refused on its own turn. */
    private static boolean isOne(String text) {
        try {
            return text != null && Float.parseFloat(text) == 1f;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The settings that a resume must keep (those with an option) whose values differ between the two. */
    public List<Setting> differences(TrainingSettings other) {
        List<Setting> differing = new ArrayList<>();
        for (Setting setting : Setting.values()) {
            if (setting.option != null && !Objects.equals(setting.of(this), setting.of(other))) {
                differing.add(setting);
            }
        }
        return differing;
    }

    /** The shape of the run's model for a vocabulary of {@code vocabularySize} characters. */
    public ModelShape shape(int vocabularySize) {
        return ModelShape.characterModel(vocabularySize, hidden, layers).withCell(cell);
    }

    /** A model of the run's shape, initialised as the settings say. */
    public RecurrentModel initialModel(int vocabularySize) {
        ModelShape shape = shape(vocabularySize);
        return Float.isNaN(forgetBias) ? RecurrentModel.initialized(shape, seed)
                : RecurrentModel.initialized(shape, seed, forgetBias);
    }

    /**
     * How a trainer with {@code threads} threads cuts the streams, over a text of {@code chunksPerEpoch} chunks a
     * pass: dropout begins after {@link #dropoutAfter} of those passes.
     */
    public Trainer.Batching batching(int threads, long chunksPerEpoch) {
        return new Trainer.Batching(seqLength, batchSize, streamGroups, threads, dropout,
                Math.multiplyExact(dropoutAfter, chunksPerEpoch));
    }

    TrainingSchedule.Settings scheduleSettings(long chunksPerEpoch) {
        return new TrainingSchedule.Settings(schedule, learningRate, learningRateDecay, chunksPerEpoch,
                Math.max(1, horizon), warmup, patience);
    }

    /**
     * The schedule of a run that names none: a step decay when a decay factor below 1 is given, a cooldown over
     * the last fifth of a time budget, otherwise a constant rate. The cooldown because on the KJV at H = 256 it
     * scored 1.793 bits/char after 600 s against 1.839-1.849 at a constant rate (1.825-1.827 keeping the best), and
     * the same as the constant rate after 120 s; descending over the whole budget (linear, cosine) cost 0.23-0.27
     * after 120 s, where the model is still learning fast (README, "Quality").
     */
    public static TrainingSchedule.Kind defaultSchedule(float learningRateDecay, boolean timed) {
        return learningRateDecay < 1 ? TrainingSchedule.Kind.STEP
                : timed ? TrainingSchedule.Kind.COOLDOWN : TrainingSchedule.Kind.CONSTANT;
    }

    /**
     * The chunks between one stream's restarts from zeros, unless a run names its own: one chunk in a hundred of
     * every stream starts from the zero state that sampling and evaluation start from, so a model learns to start
     * from it, and the other 99 keep their context. A two-layer model trained
     * without restarts scored 5.27 bits/char from zeros and 1.6 nats with its carried state (README, "Quality").
     */
    public static final int DEFAULT_RESTART_EVERY = 100;

    /** Settings built from the command line's defaults, changed where a caller says. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The settings of a run, starting from {@code gatelane train}'s defaults: one LSTM layer of 128, chunks of 25
     * characters, one stream, Adam at 2e-3 on the {@linkplain #defaultSchedule default schedule}, global-norm
     * clipping at 5, no dropout, seed 42, rollback on non-finite values, a cosine horizon of 15,000 iterations,
     * each stream restarting from zeros every {@value #DEFAULT_RESTART_EVERY} chunks.
     */
    public static final class Builder {
        private Cell cell = Cell.LSTM;
        private int hidden = 128;
        private int layers = 1;
        private int seqLength = 25;
        private int batchSize = 1;
        private int streamGroups = 1;
        private Optimizer.Kind optimizer = Optimizer.Kind.ADAM;
        /** Null until a caller names one: then {@link #defaultSchedule} picks it. */
        private TrainingSchedule.Kind schedule;
        private float learningRate = 2e-3f;
        private float learningRateDecay = 1f;
        private int warmup;
        private int patience = 3;
        private int earlyStop;
        private float clip = 5f;
        private float dropout;
        private int dropoutAfter;
        private double validationFraction = 0.1;
        private float forgetBias = Float.NaN;
        private long seed = 42;
        private NonFinitePolicy onNonFinite = NonFinitePolicy.ROLLBACK;
        private long horizon = 15_000;
        private double timeBudgetSeconds;
        private int restartEvery = DEFAULT_RESTART_EVERY;

        private Builder() {
        }

        public Builder cell(Cell value) { cell = value; return this; }
        public Builder hidden(int value) { hidden = value; return this; }
        public Builder layers(int value) { layers = value; return this; }
        public Builder seqLength(int value) { seqLength = value; return this; }
        /** Streams through the text; also the stream groups' count unless {@link #streamGroups} says otherwise. */
        public Builder batchSize(int value) { batchSize = value; return this; }
        public Builder streamGroups(int value) { streamGroups = value; return this; }
        public Builder optimizer(Optimizer.Kind value) { optimizer = value; return this; }
        /** The schedule, or null for the {@linkplain #defaultSchedule default} of the run's other settings. */
        public Builder schedule(TrainingSchedule.Kind value) { schedule = value; return this; }
        public Builder learningRate(float value) { learningRate = value; return this; }
        public Builder learningRateDecay(float value) { learningRateDecay = value; return this; }
        public Builder warmup(int iterations) { warmup = iterations; return this; }
        public Builder patience(int validations) { patience = validations; return this; }
        /** Stop after this many validations without improvement; 0 never stops early. */
        public Builder earlyStop(int validations) { earlyStop = validations; return this; }
        /** The global gradient norm's bound; 0 turns clipping off. */
        public Builder clip(float value) { clip = value; return this; }
        /** Dropout at this rate from the first step; 0 for none. */
        public Builder dropout(float value) { dropout = value; dropoutAfter = 0; return this; }
        /** Dropout at {@code rate} once {@code passes} passes over the training text are done (late dropout). */
        public Builder dropout(float rate, int passes) { dropout = rate; dropoutAfter = passes; return this; }
        /** The share of the text held out, recorded for a resume that rebuilds the texts. */
        public Builder validationFraction(double value) { validationFraction = value; return this; }
        /** char-rnn's initialisation: gate biases 0, the forget gate's {@code value}. */
        public Builder forgetBias(float value) { forgetBias = value; return this; }
        public Builder seed(long value) { seed = value; return this; }
        public Builder onNonFinite(NonFinitePolicy value) { onNonFinite = value; return this; }
        /** The iterations a cosine, linear or cooldown schedule descends over. */
        public Builder horizon(long iterations) { horizon = iterations; return this; }
        /** Train for this long, start-up included; cosine, linear and cooldown schedules descend to its end. */
        public Builder timeBudget(java.time.Duration budget) { timeBudgetSeconds = budget.toMillis() / 1000.0; return this; }
        /** Chunks between one stream's restarts from zeros within an epoch; 0 restarts at epochs only. */
        public Builder restartEvery(int chunks) { restartEvery = chunks; return this; }

        public TrainingSettings build() {
            return new TrainingSettings(cell, hidden, layers, seqLength, batchSize, streamGroups,
                    optimizer, schedule != null ? schedule : defaultSchedule(learningRateDecay, timeBudgetSeconds > 0),
                    learningRate, learningRateDecay, warmup, patience, earlyStop, clip, dropout, validationFraction,
                    "", "", forgetBias, seed, onNonFinite, horizon, timeBudgetSeconds, restartEvery, dropoutAfter);
        }
    }
}
