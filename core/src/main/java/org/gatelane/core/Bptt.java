package org.gatelane.core;

import java.util.Arrays;
import java.util.Objects;

import org.gatelane.kernels.LstmKernels;

/**
 * Forward and backward passes of an {@link LstmModel} over {@code steps} time steps of {@code streams} parallel
 * streams, with a workspace allocated once: after construction, no call allocates.
 *
 * <p>Inputs and targets are time-major: position {@code t·streams + b} holds step {@code t} of stream {@code b}.
 * The schedule follows the fast libraries: each layer's input projections for all steps at once (a row gather
 * for one-hot input, one GEMM for dense input), then the recurrence step by step (GEMV at one stream, GEMM at
 * several) with the fused cell, the output layer as one GEMM over every position with fused
 * softmax-cross-entropy; backward in reverse time with the fused cell backward, and weight gradients as GEMMs
 * over all steps after the sweep.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class Bptt {

    private final LstmModel model;
    private final LstmShape shape;
    private final ParameterLayout layout;
    private final LstmKernels kernels;
    private final int steps;
    private final int streams;
    private final int positions;

    /** Per layer, per position: activated gates {@code [4H]}, c, tanh(c) and h {@code [H]}. */
    private final float[][] gates;
    private final float[][] cells;
    private final float[][] squashedCells;
    private final float[][] hidden;
    /** Logits of every position, overwritten by their gradients. */
    private final float[] logits;
    private final float[] gateGradients;
    private final float[] hiddenGradients;
    private final float[] hiddenGradientsBelow;
    private final float[] carriedHiddenGradient;
    private final float[] carriedCellGradient;

    /**
     * @param kernels the kernels every pass runs on (see {@code org.gatelane.kernels.Kernels})
     * @param steps   T, time steps per pass
     * @param streams B, parallel streams per pass
     */
    public Bptt(LstmModel model, LstmKernels kernels, int steps, int streams) {
        if (steps < 1 || streams < 1) {
            throw new IllegalArgumentException("steps and streams must be at least 1 but were " + steps + " and "
                    + streams);
        }
        this.model = model;
        this.shape = model.shape();
        this.layout = model.layout();
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        this.steps = steps;
        this.streams = streams;
        this.positions = Math.multiplyExact(steps, streams);
        int layers = shape.layers();
        int h = shape.hiddenSize();
        gates = new float[layers][Math.multiplyExact(positions, 4 * h)];
        cells = new float[layers][positions * h];
        squashedCells = new float[layers][positions * h];
        hidden = new float[layers][positions * h];
        logits = new float[Math.multiplyExact(positions, shape.outputSize())];
        gateGradients = new float[positions * 4 * h];
        hiddenGradients = new float[positions * h];
        hiddenGradientsBelow = new float[positions * h];
        carriedHiddenGradient = new float[streams * h];
        carriedCellGradient = new float[streams * h];
    }

    public LstmModel model() {
        return model;
    }

    public int steps() {
        return steps;
    }

    public int streams() {
        return streams;
    }

    /**
     * The mean cross-entropy in nats over all {@code steps·streams} positions, with gradients.
     *
     * @param symbols        one-hot inputs {@code [steps x streams]}, time-major, each in {@code [0, inputSize)}
     * @param targets        target classes {@code [steps x streams]}, time-major, each in {@code [0, outputSize)}
     * @param initial        the state before the first step; read only
     * @param last           receives the state after the last step (may be {@code initial} itself), or null
     * @param gradients      overwritten with the gradient of the mean loss for every parameter, in the layout
     * @param initialGradients receives the gradient with respect to {@code initial}, or null
     */
    public float lossAndGradients(int[] symbols, int[] targets, LstmState initial, LstmState last,
                                  float[] gradients, LstmState initialGradients) {
        return run(symbols, null, targets, initial, last, gradients, initialGradients);
    }

    /** As {@link #lossAndGradients(int[], int[], LstmState, LstmState, float[], LstmState)} for dense inputs
     *  {@code vectors [steps x streams x inputSize]}. */
    public float lossAndGradients(float[] vectors, int[] targets, LstmState initial, LstmState last,
                                  float[] gradients, LstmState initialGradients) {
        return run(null, vectors, targets, initial, last, gradients, initialGradients);
    }

    /** The mean cross-entropy in nats, forward only; {@code last} receives the final state if not null. */
    public float loss(int[] symbols, int[] targets, LstmState initial, LstmState last) {
        return run(symbols, null, targets, initial, last, null, null);
    }

    /** As {@link #loss(int[], int[], LstmState, LstmState)} for dense inputs. */
    public float loss(float[] vectors, int[] targets, LstmState initial, LstmState last) {
        return run(null, vectors, targets, initial, last, null, null);
    }

    private float run(int[] symbols, float[] vectors, int[] targets, LstmState initial, LstmState last,
                      float[] gradients, LstmState initialGradients) {
        checkInputs(symbols, vectors, targets, initial, last, gradients, initialGradients);
        float loss = forward(symbols, vectors, targets, initial);
        if (gradients != null) {
            backward(symbols, vectors, initial, gradients, initialGradients);
        }
        if (last != null) {
            saveLastState(last);
        }
        return loss;
    }

    // ---- Forward ---------------------------------------------------------------------------------------

    private float forward(int[] symbols, float[] vectors, int[] targets, LstmState initial) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        for (int l = 0; l < shape.layers(); l++) {
            float[] z = gates[l];
            projectInputs(l, symbols, vectors, z);
            for (int t = 0; t < steps; t++) {
                float[] previousH = t == 0 ? initial.h(l) : hidden[l];
                int previousAt = t == 0 ? 0 : (t - 1) * streams * h;
                int zAt = t * streams * g;
                if (streams == 1) {
                    kernels.gemv(h, g, previousH, previousAt, p, layout.recurrentWeights(l), g, z, zAt, true);
                } else {
                    kernels.gemm(streams, g, h, previousH, previousAt, h, p, layout.recurrentWeights(l), g, z, zAt,
                            g, true);
                }
                float[] previousC = t == 0 ? initial.c(l) : cells[l];
                for (int b = 0; b < streams; b++) {
                    int at = (t * streams + b) * h;
                    kernels.lstmCellForward(h, z, zAt + b * g, previousC, previousAt + b * h, cells[l], at,
                            squashedCells[l], at, hidden[l], at);
                }
            }
        }
        return outputLoss(targets);
    }

    /** z[every position] = bias + input contribution: a row gather for symbols, one GEMM for vectors. */
    private void projectInputs(int layer, int[] symbols, float[] vectors, float[] z) {
        float[] p = model.parameters();
        int g = shape.gateWidth();
        int bias = layout.gateBias(layer);
        for (int pos = 0; pos < positions; pos++) {
            System.arraycopy(p, bias, z, pos * g, g);
        }
        int inputRows = layout.gateWeights(layer);
        if (layer == 0 && shape.oneHotInput()) {
            for (int pos = 0; pos < positions; pos++) {
                kernels.axpy(g, 1f, p, inputRows + symbols[pos] * g, z, pos * g);
            }
        } else {
            float[] input = layer == 0 ? vectors : hidden[layer - 1];
            int width = shape.layerInputSize(layer);
            kernels.gemm(positions, g, width, input, 0, width, p, inputRows, g, z, 0, g, true);
        }
    }

    /** Logits for every position in one GEMM, then softmax-cross-entropy; leaves dLoss/dLogits in place. */
    private float outputLoss(int[] targets) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int v = shape.outputSize();
        for (int pos = 0; pos < positions; pos++) {
            System.arraycopy(p, layout.outputBias(), logits, pos * v, v);
        }
        kernels.gemm(positions, v, h, hidden[shape.layers() - 1], 0, h, p, layout.outputWeights(), v, logits, 0, v,
                true);
        float gradScale = 1f / positions;
        double total = 0;
        for (int pos = 0; pos < positions; pos++) {
            total += kernels.softmaxCrossEntropy(v, logits, pos * v, targets[pos], gradScale, logits, pos * v);
        }
        return (float) (total / positions);
    }

    // ---- Backward --------------------------------------------------------------------------------------

    private void backward(int[] symbols, float[] vectors, LstmState initial, float[] gradients,
                          LstmState initialGradients) {
        Arrays.fill(gradients, 0f);
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        int v = shape.outputSize();
        int top = shape.layers() - 1;
        // Output layer: dWy = H_topᵀ·dLogits, dby = Σ dLogits, dH_top = dLogits·Wyᵀ.
        kernels.gemmTransA(h, v, positions, hidden[top], 0, h, logits, 0, v, gradients, layout.outputWeights(), v,
                true);
        for (int pos = 0; pos < positions; pos++) {
            kernels.axpy(v, 1f, logits, pos * v, gradients, layout.outputBias());
        }
        kernels.gemmTransB(positions, h, v, logits, 0, v, p, layout.outputWeights(), v, hiddenGradients, 0, h, false);

        for (int l = top; l >= 0; l--) {
            backwardThroughTime(l, initial);
            if (initialGradients != null) {
                System.arraycopy(carriedHiddenGradient, 0, initialGradients.h(l), 0, streams * h);
                System.arraycopy(carriedCellGradient, 0, initialGradients.c(l), 0, streams * h);
            }
            weightGradients(l, symbols, vectors, initial, gradients);
            if (l > 0) {
                // dH of the layer below = dZ · W_xᵀ, then it becomes this loop's incoming gradient.
                kernels.gemmTransB(positions, h, g, gateGradients, 0, g, p, layout.gateWeights(l), g,
                        hiddenGradientsBelow, 0, h, false);
                System.arraycopy(hiddenGradientsBelow, 0, hiddenGradients, 0, hiddenGradients.length);
            }
        }
    }

    /** Reverse-time sweep of one layer: fills {@link #gateGradients}; leaves dh0, dc0 in the carries. */
    private void backwardThroughTime(int l, LstmState initial) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        Arrays.fill(carriedHiddenGradient, 0f);
        Arrays.fill(carriedCellGradient, 0f);
        for (int t = steps - 1; t >= 0; t--) {
            int rowAt = t * streams * h;
            kernels.axpy(streams * h, 1f, carriedHiddenGradient, 0, hiddenGradients, rowAt);
            float[] previousC = t == 0 ? initial.c(l) : cells[l];
            int previousAt = t == 0 ? 0 : (t - 1) * streams * h;
            for (int b = 0; b < streams; b++) {
                int at = rowAt + b * h;
                int zAt = (t * streams + b) * g;
                kernels.lstmCellBackward(h, gates[l], zAt, previousC, previousAt + b * h, squashedCells[l], at,
                        hiddenGradients, at, carriedCellGradient, b * h, gateGradients, zAt, carriedCellGradient,
                        b * h);
            }
            int zAt = t * streams * g;
            if (streams == 1) {
                kernels.gemvTransposed(h, g, p, layout.recurrentWeights(l), g, gateGradients, zAt,
                        carriedHiddenGradient, 0, false);
            } else {
                kernels.gemmTransB(streams, h, g, gateGradients, zAt, g, p, layout.recurrentWeights(l), g,
                        carriedHiddenGradient, 0, h, false);
            }
        }
    }

    /** dW_x, dW_h and db of one layer as GEMMs over all positions, after the sweep. */
    private void weightGradients(int l, int[] symbols, float[] vectors, LstmState initial, float[] gradients) {
        int h = shape.hiddenSize();
        int g = 4 * h;
        int inputRows = layout.gateWeights(l);
        if (l == 0 && shape.oneHotInput()) {
            for (int pos = 0; pos < positions; pos++) {
                kernels.axpy(g, 1f, gateGradients, pos * g, gradients, inputRows + symbols[pos] * g);
            }
        } else {
            float[] input = l == 0 ? vectors : hidden[l - 1];
            int width = shape.layerInputSize(l);
            kernels.gemmTransA(width, g, positions, input, 0, width, gateGradients, 0, g, gradients, inputRows, g,
                    true);
        }
        // h_{t-1} for t >= 1 is h_t's array shifted by one step; t = 0 reads the initial state.
        int recurrent = layout.recurrentWeights(l);
        kernels.gemmTransA(h, g, streams, initial.h(l), 0, h, gateGradients, 0, g, gradients, recurrent, g, true);
        kernels.gemmTransA(h, g, positions - streams, hidden[l], 0, h, gateGradients, streams * g, g, gradients,
                recurrent, g, true);
        for (int pos = 0; pos < positions; pos++) {
            kernels.axpy(g, 1f, gateGradients, pos * g, gradients, layout.gateBias(l));
        }
    }

    private void saveLastState(LstmState last) {
        int h = shape.hiddenSize();
        int lastAt = (steps - 1) * streams * h;
        for (int l = 0; l < shape.layers(); l++) {
            System.arraycopy(hidden[l], lastAt, last.h(l), 0, streams * h);
            System.arraycopy(cells[l], lastAt, last.c(l), 0, streams * h);
        }
    }

    // ---- Checks ----------------------------------------------------------------------------------------

    private void checkInputs(int[] symbols, float[] vectors, int[] targets, LstmState initial, LstmState last,
                             float[] gradients, LstmState initialGradients) {
        if (shape.oneHotInput() != (symbols != null)) {
            throw new IllegalArgumentException(shape.oneHotInput()
                    ? "this model takes symbol indices (one-hot input), not vectors"
                    : "this model takes dense input vectors, not symbol indices");
        }
        if (symbols != null) {
            requireLength("symbols", symbols.length, positions);
            requireClasses("symbols", symbols, shape.inputSize());
        } else {
            requireLength("vectors", Objects.requireNonNull(vectors, "vectors").length,
                    (long) positions * shape.inputSize());
        }
        requireLength("targets", Objects.requireNonNull(targets, "targets").length, positions);
        requireClasses("targets", targets, shape.outputSize());
        requireState("initial", Objects.requireNonNull(initial, "initial"));
        if (last != null) {
            requireState("last", last);
        }
        if (initialGradients != null) {
            requireState("initialGradients", initialGradients);
        }
        if (gradients != null) {
            requireLength("gradients", gradients.length, layout.size());
        }
    }

    private void requireLength(String name, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + " must hold " + expected + " values (" + steps + " steps x "
                    + streams + " streams" + (name.equals("vectors") ? " x inputSize" : "") + ") but holds " + actual);
        }
    }

    private void requireState(String name, LstmState state) {
        if (state.layers() != shape.layers() || state.streams() != streams || state.hiddenSize() != shape.hiddenSize()) {
            throw new IllegalArgumentException(name + " must be " + shape.layers() + " layers x " + streams
                    + " streams x H=" + shape.hiddenSize() + " but is " + state.describe());
        }
    }

    private static void requireClasses(String name, int[] values, int classes) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] >= classes) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + values[i] + ", outside [0, " + classes
                        + ")");
            }
        }
    }
}
