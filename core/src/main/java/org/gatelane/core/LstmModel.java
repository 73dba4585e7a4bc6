package org.gatelane.core;

import java.util.Arrays;

/**
 * An LSTM's shape and its parameters, all in one contiguous {@code float[]} laid out by {@link ParameterLayout}.
 * The parameter array is live: optimizers update it in place and checkpoints read it directly.
 */
public final class LstmModel {

    /** The char-rnn default: a forget gate that starts open so gradients flow through c from the first step. */
    public static final float DEFAULT_FORGET_BIAS = 1f;

    private final LstmShape shape;
    private final ParameterLayout layout;
    private final float[] parameters;

    /**
     * Wraps existing parameters.
     *
     * @throws IllegalArgumentException if {@code parameters} is not exactly the size the shape needs
     */
    public LstmModel(LstmShape shape, float[] parameters) {
        this.shape = shape;
        this.layout = new ParameterLayout(shape);
        if (parameters.length != layout.size()) {
            throw new IllegalArgumentException("a model of shape " + shape + " needs " + layout.size()
                    + " parameters but got " + parameters.length);
        }
        this.parameters = parameters;
    }

    /**
     * A freshly initialised model, reproducible from {@code seed}: every weight and the output bias uniform in
     * {@code [-1/√H, 1/√H]} (PyTorch's scheme), gate biases zero except the forget gate's, set to
     * {@code forgetBias}.
     */
    public static LstmModel initialized(LstmShape shape, long seed, float forgetBias) {
        ParameterLayout layout = new ParameterLayout(shape);
        float[] parameters = new float[layout.size()];
        Rng rng = new Rng(seed);
        double bound = 1.0 / Math.sqrt(shape.hiddenSize());
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        }
        int hidden = shape.hiddenSize();
        for (int l = 0; l < shape.layers(); l++) {
            int bias = layout.gateBias(l);
            Arrays.fill(parameters, bias, bias + 4 * hidden, 0f);
            Arrays.fill(parameters, bias + hidden, bias + 2 * hidden, forgetBias);
        }
        return new LstmModel(shape, parameters);
    }

    /** {@link #initialized(LstmShape, long, float)} with {@link #DEFAULT_FORGET_BIAS}. */
    public static LstmModel initialized(LstmShape shape, long seed) {
        return initialized(shape, seed, DEFAULT_FORGET_BIAS);
    }

    public LstmShape shape() {
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
