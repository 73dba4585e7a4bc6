package org.gatelane.core.train;

import java.util.LinkedHashMap;
import java.util.Map;

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
 * @param horizon      the iterations a cosine schedule descends over
 */
public record TrainingSettings(Cell cell, int hidden, int layers, int seqLength, int batchSize, int streamGroups,
                               Optimizer.Kind optimizer, TrainingSchedule.Kind schedule, float learningRate,
                               float learningRateDecay, int warmup, int patience, int earlyStop, float clip,
                               float dropout, double valFraction, String valText, String initFrom, float forgetBias,
                               long seed, NonFinitePolicy onNonFinite, long horizon) {

    /** What a step with a NaN or infinite loss or gradient does to the run. */
    public enum NonFinitePolicy {
        /** End the run with the error; the last checkpoint stays as it was. */
        STOP,
        /** Return to the last validation's parameters and optimizer state, halve the rate, go on. */
        ROLLBACK
    }

    /** The settings as the string pairs a checkpoint keeps. */
    public Map<String, String> toOptions() {
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
    public static TrainingSettings fromOptions(Map<String, String> options) {
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

    /** How a trainer with {@code threads} threads cuts the streams. */
    public Trainer.Batching batching(int threads) {
        return new Trainer.Batching(seqLength, batchSize, streamGroups, threads, dropout);
    }

    TrainingSchedule.Settings scheduleSettings(long chunksPerEpoch) {
        return new TrainingSchedule.Settings(schedule, learningRate, learningRateDecay, chunksPerEpoch,
                Math.max(1, horizon), warmup, patience);
    }

    /** Settings built from the command line's defaults, changed where a caller says. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The settings of a run, starting from {@code gatelane train}'s defaults: one LSTM layer of 128, chunks of 25
     * characters, one stream, Adam at 2e-3 with a constant rate, global-norm clipping at 5, no dropout, seed 42,
     * rollback on non-finite values, a cosine horizon of 15,000 iterations.
     */
    public static final class Builder {
        private Cell cell = Cell.LSTM;
        private int hidden = 128;
        private int layers = 1;
        private int seqLength = 25;
        private int batchSize = 1;
        private int streamGroups = 1;
        private Optimizer.Kind optimizer = Optimizer.Kind.ADAM;
        private TrainingSchedule.Kind schedule = TrainingSchedule.Kind.CONSTANT;
        private float learningRate = 2e-3f;
        private float learningRateDecay = 1f;
        private int warmup;
        private int patience = 3;
        private int earlyStop;
        private float clip = 5f;
        private float dropout;
        private double validationFraction = 0.1;
        private float forgetBias = Float.NaN;
        private long seed = 42;
        private NonFinitePolicy onNonFinite = NonFinitePolicy.ROLLBACK;
        private long horizon = 15_000;

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
        public Builder schedule(TrainingSchedule.Kind value) { schedule = value; return this; }
        public Builder learningRate(float value) { learningRate = value; return this; }
        public Builder learningRateDecay(float value) { learningRateDecay = value; return this; }
        public Builder warmup(int iterations) { warmup = iterations; return this; }
        public Builder patience(int validations) { patience = validations; return this; }
        /** Stop after this many validations without improvement; 0 never stops early. */
        public Builder earlyStop(int validations) { earlyStop = validations; return this; }
        /** The global gradient norm's bound; 0 turns clipping off. */
        public Builder clip(float value) { clip = value; return this; }
        public Builder dropout(float value) { dropout = value; return this; }
        /** The share of the text held out, recorded for a resume that rebuilds the texts. */
        public Builder validationFraction(double value) { validationFraction = value; return this; }
        /** char-rnn's initialisation: gate biases 0, the forget gate's {@code value}. */
        public Builder forgetBias(float value) { forgetBias = value; return this; }
        public Builder seed(long value) { seed = value; return this; }
        public Builder onNonFinite(NonFinitePolicy value) { onNonFinite = value; return this; }
        /** The iterations a cosine schedule descends over. */
        public Builder horizon(long iterations) { horizon = iterations; return this; }

        public TrainingSettings build() {
            return new TrainingSettings(cell, hidden, layers, seqLength, batchSize, streamGroups,
                    optimizer, schedule, learningRate, learningRateDecay, warmup, patience, earlyStop, clip, dropout,
                    validationFraction, "", "", forgetBias, seed, onNonFinite, horizon);
        }
    }
}
