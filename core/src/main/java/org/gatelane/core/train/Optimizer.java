package org.gatelane.core.train;

import java.util.Locale;

import org.gatelane.core.model.ParameterLayout;
import org.gatelane.kernels.RecurrentKernels;

/**
 * A first-order optimizer over one contiguous parameter array, one fused kernel pass per step. Its state
 * (momentum, moments) uses the parameters' layout so checkpoints can save it as one array.
 */
public final class Optimizer {

    /** The update rules; see {@link RecurrentKernels} for each formula. */
    public enum Kind {
        SGD, RMSPROP, ADAM, ADAMW;

        /** Parses {@code sgd|rmsprop|adam|adamw}, case-insensitive. */
        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown optimizer '" + name + "'; use sgd, rmsprop, adam or adamw");
            }
        }

        /** Arrays of state per parameter: SGD's velocity, RMSProp's mean square, Adam's two moments. */
        public int stateArrays() {
            return this == ADAM || this == ADAMW ? 2 : 1;
        }
    }

    /**
     * Hyper-parameters with PyTorch's defaults where one exists.
     *
     * @param momentum    SGD momentum
     * @param decay       RMSProp's smoothing constant α
     * @param beta1       Adam's first-moment decay
     * @param beta2       Adam's second-moment decay
     * @param epsilon     RMSProp's and Adam's ε
     * @param weightDecay AdamW's decoupled weight decay λ (ignored by the others)
     */
    public record Settings(float momentum, float decay, float beta1, float beta2, float epsilon, float weightDecay) {

        public static Settings defaults() {
            return new Settings(0.9f, 0.99f, 0.9f, 0.999f, 1e-8f, 0.01f);
        }
    }

    /** No twin ranges: every parameter steps at the rate given. Shared, so the plain calls allocate nothing. */
    static final int[] NO_TWINS = {};

    private final Kind kind;
    private final Settings settings;
    private final RecurrentKernels kernels;
    private final float[][] state;
    private long step;

    public Optimizer(Kind kind, Settings settings, RecurrentKernels kernels, int parameters) {
        this.kind = kind;
        this.settings = settings;
        this.kernels = kernels;
        this.state = new float[kind.stateArrays()][parameters];
    }

    public Kind kind() {
        return kind;
    }

    public Settings settings() {
        return settings;
    }

    /** Steps taken so far. */
    public long step() {
        return step;
    }

    /** The live state arrays, for checkpoints. */
    public float[][] state() {
        return state;
    }

    /**
     * Restores the whole state, copied from {@code savedState} (as {@link #state()} once gave it) and
     * {@code savedStep}: for resuming from a checkpoint or rolling back to a snapshot.
     *
     * @throws IllegalArgumentException if the saved arrays are not this optimizer's count and length
     */
    public void restore(float[][] savedState, long savedStep) {
        if (savedState.length != state.length) {
            throw new IllegalArgumentException("the saved optimizer state has " + savedState.length + " arrays but "
                    + kind.name().toLowerCase(Locale.ROOT) + " keeps " + state.length);
        }
        for (int i = 0; i < state.length; i++) {
            if (savedState[i].length != state[i].length) {
                throw new IllegalArgumentException("saved optimizer state " + i + " has " + savedState[i].length
                        + " values for " + state[i].length + " parameters");
            }
            System.arraycopy(savedState[i], 0, state[i], 0, state[i].length);
        }
        this.step = savedStep;
    }

    /** One update of {@code parameters} with {@code gradients} at {@code learningRate}. */
    public void update(float[] parameters, float[] gradients, float learningRate) {
        update(parameters, gradients, learningRate, NO_TWINS);
    }

    /**
     * One update in which the ranges {@code twins} (ascending {@code [from, to)} pairs, as
     * {@link ParameterLayout#twinBiases()} gives them) stand for the sum of two parameters with the same gradient,
     * as PyTorch's {@code b_ih + b_hh}: each copy would take the same step, so the sum takes twice the step (twice
     * the rate, half the decoupled weight decay, which the rate multiplies). For SGD, momentum, RMSProp, Adam and
     * AdamW that is exactly what the two copies do.
     */
    public void update(float[] parameters, float[] gradients, float learningRate, int[] twins) {
        if (parameters.length != state[0].length || gradients.length != state[0].length) {
            throw new IllegalArgumentException("the optimizer holds state for " + state[0].length
                    + " parameters but got " + parameters.length + " parameters and " + gradients.length + " gradients");
        }
        step++;
        int at = 0;
        for (int r = 0; r < twins.length; r += 2) {
            if (twins[r] < at || twins[r + 1] < twins[r] || twins[r + 1] > parameters.length) {
                throw new IllegalArgumentException("twin range [" + twins[r] + ", " + twins[r + 1] + ") is not "
                        + "ascending within the " + parameters.length + " parameters");
            }
            stepRange(parameters, gradients, at, twins[r], learningRate, 1f);
            stepRange(parameters, gradients, twins[r], twins[r + 1], 2 * learningRate, 0.5f);
            at = twins[r + 1];
        }
        stepRange(parameters, gradients, at, parameters.length, learningRate, 1f);
    }

    private void stepRange(float[] parameters, float[] gradients, int from, int to, float learningRate,
                           float decayScale) {
        int n = to - from;
        if (n == 0) {
            return;
        }
        Settings s = settings;
        switch (kind) {
            case SGD -> kernels.sgd(n, parameters, from, gradients, from, state[0], from, learningRate, s.momentum());
            case RMSPROP -> kernels.rmsprop(n, parameters, from, gradients, from, state[0], from, learningRate,
                    s.decay(), s.epsilon());
            case ADAM, ADAMW -> kernels.adam(n, parameters, from, gradients, from, state[0], from, state[1], from,
                    learningRate, s.beta1(), s.beta2(), s.epsilon(),
                    kind == Kind.ADAMW ? decayScale * s.weightDecay() : 0f, step);
        }
    }
}
