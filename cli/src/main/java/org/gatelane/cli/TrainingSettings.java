package org.gatelane.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gatelane.core.Optimizer;

/** The options a training run is defined by; saved in every checkpoint so a resume continues identically. */
record TrainingSettings(int hidden, int layers, int seqLength, int batchSize, Optimizer.Kind optimizer,
                        float learningRate, float learningRateDecay, float clip, double valFraction, long seed,
                        int threads) {

    Map<String, String> toOptions() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("hidden", Integer.toString(hidden));
        options.put("layers", Integer.toString(layers));
        options.put("seqLength", Integer.toString(seqLength));
        options.put("batchSize", Integer.toString(batchSize));
        options.put("optimizer", optimizer.name());
        options.put("learningRate", Float.toString(learningRate));
        options.put("learningRateDecay", Float.toString(learningRateDecay));
        options.put("clip", Float.toString(clip));
        options.put("valFraction", Double.toString(valFraction));
        options.put("seed", Long.toString(seed));
        return options;
    }

    static TrainingSettings fromOptions(Map<String, String> options, int threads) {
        try {
            return new TrainingSettings(Integer.parseInt(get(options, "hidden")), Integer.parseInt(get(options, "layers")),
                    Integer.parseInt(get(options, "seqLength")), Integer.parseInt(get(options, "batchSize")),
                    Optimizer.Kind.valueOf(get(options, "optimizer")), Float.parseFloat(get(options, "learningRate")),
                    Float.parseFloat(get(options, "learningRateDecay")), Float.parseFloat(get(options, "clip")),
                    Double.parseDouble(get(options, "valFraction")), Long.parseLong(get(options, "seed")), threads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the checkpoint's training options are unreadable: " + e.getMessage());
        }
    }

    private static String get(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("the checkpoint has no training option '" + key + "'");
        }
        return value;
    }
}
