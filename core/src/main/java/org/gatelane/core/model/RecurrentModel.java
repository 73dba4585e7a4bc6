package org.gatelane.core.model;

import java.util.Arrays;

/**
 * A recurrent model's shape and its parameters (an LSTM's, or a GRU's when the shape says so), all in one contiguous {@code float[]} laid out by {@link ParameterLayout}.
 * The parameter array is live: optimizers update it in place and checkpoints read it directly.
 *
 * <p>Thread safety: a model is read-only to everything but a {@code Trainer}'s optimizer. Any number of threads
 * may read one model at once, each through its own {@code Sampler}, {@link SequencePass} or {@code Evaluation}, as long
 * as no thread trains it meanwhile.
 */
public final class RecurrentModel {

    private final ModelShape shape;
    private final ParameterLayout layout;
    private final float[] parameters;

    /**
     * Wraps existing parameters.
     *
     * @throws IllegalArgumentException if {@code parameters} is not exactly the size the shape needs
     */
    public RecurrentModel(ModelShape shape, float[] parameters) {
        this.shape = shape;
        this.layout = new ParameterLayout(shape);
        if (parameters.length != layout.size()) {
            throw new IllegalArgumentException("a model of shape " + shape + " needs " + layout.size()
                    + " parameters but got " + parameters.length);
        }
        this.parameters = parameters;
    }

    /**
     * A freshly initialised model, reproducible from {@code seed}, drawn as PyTorch's {@code nn.LSTM} (or
     * {@code nn.GRU}) + {@code nn.Linear} draw: every weight and the output bias uniform in
     * {@code [-1/√H, 1/√H]}, and each bias that stands for PyTorch's {@code b_ih + b_hh} the sum of two such draws
     * (see {@link Cell#mergedBiasBlocks()}). This is the default because it learns faster than an open forget
     * gate on real text (measured in {@code bench/results/quality.md}).
     */
    public static RecurrentModel initialized(ModelShape shape, long seed) {
        float[] parameters = uniformWeights(shape, seed);
        ParameterLayout layout = new ParameterLayout(shape);
        Rng rng = new Rng(~seed);
        double bound = 1.0 / Math.sqrt(shape.hiddenSize());
        int merged = shape.cell().mergedBiasBlocks() * shape.hiddenSize();
        for (int l = 0; l < shape.layers(); l++) {
            int bias = layout.gateBias(l);
            for (int i = bias; i < bias + merged; i++) {
                parameters[i] = (float) (uniform(rng, bound) + uniform(rng, bound));
            }
        }
        return new RecurrentModel(shape, parameters);
    }

    /**
     * A freshly initialised model with char-rnn's open forget gate: weights and output bias as
     * {@link #initialized(ModelShape, long)}, gate biases zero except the forget gate's, set to {@code forgetBias}.
     *
     * @throws IllegalArgumentException for a GRU, which has no forget gate
     */
    public static RecurrentModel initialized(ModelShape shape, long seed, float forgetBias) {
        if (shape.cell() != Cell.LSTM) {
            throw new IllegalArgumentException("a forget-gate bias needs an LSTM; a " + shape.cell().id()
                    + " has no forget gate");
        }
        float[] parameters = uniformWeights(shape, seed);
        ParameterLayout layout = new ParameterLayout(shape);
        int hidden = shape.hiddenSize();
        for (int l = 0; l < shape.layers(); l++) {
            int bias = layout.gateBias(l);
            Arrays.fill(parameters, bias, bias + 4 * hidden, 0f);
            Arrays.fill(parameters, bias + hidden, bias + 2 * hidden, forgetBias);
        }
        return new RecurrentModel(shape, parameters);
    }

    /** Every parameter uniform in {@code [-1/√H, 1/√H]}, in layout order. */
    private static float[] uniformWeights(ModelShape shape, long seed) {
        float[] parameters = new float[shape.parameterCount()];
        Rng rng = new Rng(seed);
        double bound = 1.0 / Math.sqrt(shape.hiddenSize());
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = (float) uniform(rng, bound);
        }
        return parameters;
    }

    private static double uniform(Rng rng, double bound) {
        return (2 * rng.nextDouble() - 1) * bound;
    }

    public ModelShape shape() {
        return shape;
    }

    public ParameterLayout layout() {
        return layout;
    }

    /** The live parameter array, laid out by {@link #layout()}. */
    public float[] parameters() {
        return parameters;
    }
}
