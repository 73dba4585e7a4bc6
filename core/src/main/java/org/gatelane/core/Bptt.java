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
 * <p>Dropout, when the rate is above zero, follows PyTorch's {@code nn.LSTM(dropout=p)} followed by a dropout
 * before the head: the output of every layer is multiplied by an inverted mask (0 or {@code 1/(1-p)}) on its way
 * up, never on its way along the recurrence. Masks are drawn by {@link #drawDropoutMasks(Rng)} and then apply to
 * every pass until the next draw, so a gradient check sees one fixed function; before the first draw no
 * dropout applies.
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

    /**
     * Per layer, per position: activated gates {@code [4H]}, tanh(c), and c and h {@code [H]}. c and h have one
     * extra leading step holding the initial state, so step t's previous state is always step slot t and the
     * recurrent weight gradient is one GEMM over contiguous rows.
     */
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
     * Transposed copies of the weights, refreshed once per backward pass, so that {@code dX = dZ·Wᵀ} runs as a
     * plain GEMM on the register-tiled kernel: as dot products it spends more on lane reductions and short
     * tails than on multiplying, when the depth is the vocabulary or the batch has many rows. Per layer only
     * with several streams (one stream uses the transposed GEMV instead, which needs no copy), and only the
     * rows a gradient flows through: all of them above the first layer, the recurrent ones in the first, whose
     * input needs no gradient.
     */
    private final float[] transposedOutputWeights;
    private final float[][] transposedGateWeights;
    /**
     * With several streams, each layer's recurrent weights and their transpose packed for the GEMM once per pass
     * (see {@code LstmKernels.packB}): the recurrence multiplies by them at every one of the T steps, and packing
     * them inside each of those products took about a fifth of the training step.
     */
    private final float[][] packedRecurrent;
    private final float[][] packedRecurrentTransposed;
    /** The dropout rate p, and per layer the inverted mask of its output and that output after the mask. */
    private final float dropout;
    private final float[][] masks;
    private final float[][] droppedOutputs;
    private boolean masksDrawn;

    /**
     * @param kernels the kernels every pass runs on (see {@code org.gatelane.kernels.Kernels})
     * @param steps   T, time steps per pass
     * @param streams B, parallel streams per pass
     */
    public Bptt(LstmModel model, LstmKernels kernels, int steps, int streams) {
        this(model, kernels, steps, streams, 0f);
    }

    /**
     * @param dropout the dropout rate p in {@code [0, 1)}; 0 for none
     */
    public Bptt(LstmModel model, LstmKernels kernels, int steps, int streams, float dropout) {
        if (steps < 1 || streams < 1) {
            throw new IllegalArgumentException("steps and streams must be at least 1 but were " + steps + " and "
                    + streams);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("the dropout rate must be in [0, 1) but was " + dropout);
        }
        long floats = workspaceFloats(model.shape(), steps, streams, dropout);
        if (floats > Integer.MAX_VALUE - 8L) {
            throw new IllegalArgumentException(steps + " steps x " + streams + " streams of " + model.shape()
                    + " need arrays larger than Java allows; use fewer steps or streams");
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
        cells = new float[layers][(positions + streams) * h];
        squashedCells = new float[layers][positions * h];
        hidden = new float[layers][(positions + streams) * h];
        logits = new float[Math.multiplyExact(positions, shape.outputSize())];
        gateGradients = new float[positions * 4 * h];
        hiddenGradients = new float[positions * h];
        hiddenGradientsBelow = new float[positions * h];
        carriedHiddenGradient = new float[streams * h];
        carriedCellGradient = new float[streams * h];
        transposedOutputWeights = new float[h * shape.outputSize()];
        transposedGateWeights = new float[streams > 1 ? layers : 0][];
        for (int l = 0; l < transposedGateWeights.length; l++) {
            transposedGateWeights[l] = new float[transposedRows(l) * 4 * h];
        }
        packedRecurrent = new float[streams > 1 ? layers : 0][];
        packedRecurrentTransposed = new float[packedRecurrent.length][];
        for (int l = 0; l < packedRecurrent.length; l++) {
            packedRecurrent[l] = new float[kernels.packedSize(h, 4 * h)];
            packedRecurrentTransposed[l] = new float[kernels.packedSize(4 * h, h)];
        }
        this.dropout = dropout;
        this.masks = new float[dropout > 0 ? layers : 0][positions * h];
        this.droppedOutputs = new float[masks.length][positions * h];
    }

    /**
     * Floats the workspace of a pass over {@code steps x streams} holds, without overflow: what the constructor
     * allocates, for checking a size against the heap before asking for it.
     */
    public static long workspaceFloats(LstmShape shape, int steps, int streams, float dropout) {
        long positions = (long) steps * streams;
        long h = shape.hiddenSize();
        long layers = shape.layers();
        // Packed copies may pad each row to a whole vector panel: counted here as twice their size, to be safe.
        long perLayer = positions * 4 * h + 2 * (positions + streams) * h + positions * h
                + (streams > 1 ? 2 * h * 4 * h + 4 * 4 * h * (h + 32) : 0) + (dropout > 0 ? 2 * positions * h : 0);
        return layers * perLayer + positions * shape.outputSize() + positions * 4 * h + 2 * positions * h
                + 2L * streams * h + h * shape.outputSize();
    }

    /** The dropout rate this instance was made with. */
    public float dropout() {
        return dropout;
    }

    /**
     * Draws a fresh inverted-dropout mask for every layer's output at every position (time-major, then unit)
     * from {@code rng}: 0 with probability p, {@code 1/(1-p)} otherwise. Later passes apply these masks until
     * the next draw. Does nothing, and draws nothing, when the rate is 0.
     */
    public void drawDropoutMasks(Rng rng) {
        if (dropout == 0) {
            return;
        }
        float kept = 1f / (1f - dropout);
        for (float[] mask : masks) {
            for (int i = 0; i < mask.length; i++) {
                mask[i] = rng.nextDouble() < dropout ? 0f : kept;
            }
        }
        masksDrawn = true;
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
            backward(symbols, vectors, gradients, initialGradients);
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
        int stepWidth = streams * h;
        for (int l = 0; l < shape.layers(); l++) {
            System.arraycopy(initial.h(l), 0, hidden[l], 0, stepWidth);
            System.arraycopy(initial.c(l), 0, cells[l], 0, stepWidth);
            float[] z = gates[l];
            projectInputs(l, symbols, vectors, z);
            float[] packed = streams > 1 ? packedRecurrent[l] : null;
            if (packed != null) {
                kernels.packB(h, g, p, layout.recurrentWeights(l), g, packed, 0);
            }
            for (int t = 0; t < steps; t++) {
                int previousAt = t * stepWidth;
                int zAt = t * streams * g;
                rowsTimesWeights(streams, h, g, hidden[l], previousAt, p, layout.recurrentWeights(l), packed, z, zAt);
                for (int b = 0; b < streams; b++) {
                    int at = previousAt + b * h;
                    kernels.lstmCellForward(h, z, zAt + b * g, cells[l], at, cells[l], at + stepWidth,
                            squashedCells[l], at, hidden[l], at + stepWidth);
                }
            }
            if (masksDrawn) {
                kernels.multiply(positions * h, hidden[l], stepWidth, masks[l], 0, droppedOutputs[l], 0);
            }
        }
        return outputLoss(targets);
    }

    /** z[every position] = bias + input contribution: a row gather for symbols, one GEMM for vectors. */
    private void projectInputs(int layer, int[] symbols, float[] vectors, float[] z) {
        float[] p = model.parameters();
        int g = shape.gateWidth();
        int bias = layout.gateBias(layer);
        repeatRow(p, bias, g, z);
        int inputRows = layout.gateWeights(layer);
        if (layer == 0 && shape.oneHotInput()) {
            for (int pos = 0; pos < positions; pos++) {
                kernels.axpy(g, 1f, p, inputRows + symbols[pos] * g, z, pos * g);
            }
        } else {
            int width = shape.layerInputSize(layer);
            kernels.gemm(positions, g, width, layerInput(layer, vectors), layerInputAt(layer), width, p, inputRows, g,
                    z, 0, g, true);
        }
    }

    /**
     * {@code out[rows x n] += in[rows x k] · W[k x n]}: a GEMV for one row, a GEMM for several, on {@code packed}
     * (W as {@code packB} left it) when given.
     */
    private void rowsTimesWeights(int rows, int k, int n, float[] in, int inAt, float[] w, int wAt, float[] packed,
                                  float[] out, int outAt) {
        if (rows == 1) {
            kernels.gemv(k, n, in, inAt, w, wAt, n, out, outAt, true);
        } else if (packed != null) {
            kernels.gemmPacked(rows, n, k, in, inAt, k, packed, 0, out, outAt, n, true);
        } else {
            kernels.gemm(rows, n, k, in, inAt, k, w, wAt, n, out, outAt, n, true);
        }
    }

    /**
     * What layer {@code l} reads, {@code [positions x inputSize]} from {@link #layerInputAt}: the dense input
     * vectors for the first layer, otherwise the output of the layer below (after its dropout mask, if any);
     * {@code l = layers} gives what the head reads.
     */
    private float[] layerInput(int layer, float[] vectors) {
        if (layer == 0) {
            return vectors;
        }
        return masksDrawn ? droppedOutputs[layer - 1] : hidden[layer - 1];
    }

    private int layerInputAt(int layer) {
        return layer == 0 || masksDrawn ? 0 : streams * shape.hiddenSize();
    }

    /** Logits for every position in one GEMM, then softmax-cross-entropy; leaves dLoss/dLogits in place. */
    private float outputLoss(int[] targets) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int v = shape.outputSize();
        repeatRow(p, layout.outputBias(), v, logits);
        int head = shape.layers();
        kernels.gemm(positions, v, h, layerInput(head, null), layerInputAt(head), h, p, layout.outputWeights(), v,
                logits, 0, v, true);
        float gradScale = 1f / positions;
        double total = 0;
        for (int pos = 0; pos < positions; pos++) {
            total += kernels.softmaxCrossEntropy(v, logits, pos * v, targets[pos], gradScale, logits, pos * v);
        }
        return (float) (total / positions);
    }

    // ---- Backward --------------------------------------------------------------------------------------

    /** Every gradient region is written exactly once: products overwrite, sums start from zero. */
    private void backward(int[] symbols, float[] vectors, float[] gradients, LstmState initialGradients) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        int v = shape.outputSize();
        int top = shape.layers() - 1;
        // Output layer: dWy = H_topᵀ·dLogits, dby = Σ dLogits, dH_top = (dLogits·Wyᵀ) ∘ mask.
        int head = shape.layers();
        kernels.gemmTransA(h, v, positions, layerInput(head, null), layerInputAt(head), h, logits, 0, v, gradients,
                layout.outputWeights(), v, false);
        sumRows(logits, v, gradients, layout.outputBias());
        transpose(p, layout.outputWeights(), h, v, transposedOutputWeights);
        kernels.gemm(positions, h, v, logits, 0, v, transposedOutputWeights, 0, h, hiddenGradients, 0, h, false);
        throughDropout(top, hiddenGradients, hiddenGradients);

        for (int l = top; l >= 0; l--) {
            if (streams > 1) {
                transpose(p, layout.gateWeights(l) + (shape.layerInputSize(l) + h - transposedRows(l)) * g,
                        transposedRows(l), g, transposedGateWeights[l]);
                int rows = transposedRows(l);
                kernels.packB(g, h, transposedGateWeights[l], rows - h, rows, packedRecurrentTransposed[l], 0);
            }
            backwardThroughTime(l);
            if (initialGradients != null) {
                System.arraycopy(carriedHiddenGradient, 0, initialGradients.h(l), 0, streams * h);
                System.arraycopy(carriedCellGradient, 0, initialGradients.c(l), 0, streams * h);
            }
            weightGradients(l, symbols, vectors, gradients);
            if (l > 0) {
                // dH of the layer below = (dZ · W_xᵀ) ∘ its mask, then it becomes this loop's incoming gradient.
                gateGradientsTimesWeightsT(l, positions, 0, 0, null, hiddenGradientsBelow, 0);
                throughDropout(l - 1, hiddenGradientsBelow, hiddenGradients);
            }
        }
    }

    /** Reverse-time sweep of one layer: fills {@link #gateGradients}; leaves dh0, dc0 in the carries. */
    private void backwardThroughTime(int l) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        int stepWidth = streams * h;
        Arrays.fill(carriedHiddenGradient, 0f);
        Arrays.fill(carriedCellGradient, 0f);
        for (int t = steps - 1; t >= 0; t--) {
            int rowAt = t * stepWidth;
            kernels.axpy(stepWidth, 1f, carriedHiddenGradient, 0, hiddenGradients, rowAt);
            for (int b = 0; b < streams; b++) {
                int at = rowAt + b * h;
                int zAt = (t * streams + b) * g;
                kernels.lstmCellBackward(h, gates[l], zAt, cells[l], at, squashedCells[l], at, hiddenGradients, at,
                        carriedCellGradient, b * h, gateGradients, zAt, carriedCellGradient, b * h);
            }
            gateGradientsTimesWeightsT(l, streams, t * streams * g, shape.layerInputSize(l),
                    streams > 1 ? packedRecurrentTransposed[l] : null, carriedHiddenGradient, 0);
        }
    }

    /**
     * {@code target[rows x H] = dZ[rows x 4H] · (H rows of W_l from row firstRow)ᵀ}, dZ read from
     * {@link #gateGradients} at {@code dzAt}: a transposed GEMV for one row, a GEMM on {@code packed} (those rows
     * of Wᵀ as {@code packB} left them) when given, else on the transposed copy at several streams, dot products
     * against W itself otherwise (one stream, where there is no copy).
     */
    private void gateGradientsTimesWeightsT(int l, int rows, int dzAt, int firstRow, float[] packed, float[] target,
                                            int targetAt) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int g = 4 * h;
        int weightsAt = layout.gateWeights(l) + firstRow * g;
        if (rows == 1) {
            kernels.gemvTransposed(h, g, p, weightsAt, g, gateGradients, dzAt, target, targetAt, false);
        } else if (packed != null) {
            kernels.gemmPacked(rows, h, g, gateGradients, dzAt, g, packed, 0, target, targetAt, h, false);
        } else if (streams > 1) {
            int transposedFirst = firstRow - (shape.layerInputSize(l) + h - transposedRows(l));
            kernels.gemm(rows, h, g, gateGradients, dzAt, g, transposedGateWeights[l], transposedFirst,
                    transposedRows(l), target, targetAt, h, false);
        } else {
            kernels.gemmTransB(rows, h, g, gateGradients, dzAt, g, p, weightsAt, g, target, targetAt, h, false);
        }
    }

    /**
     * The gradient of layer {@code l}'s output from the gradient of its masked output: {@code target = gradient ∘
     * mask} when masks apply, otherwise {@code gradient} itself (copied unless it already is {@code target}).
     */
    private void throughDropout(int l, float[] gradient, float[] target) {
        int n = positions * shape.hiddenSize();
        if (masksDrawn) {
            kernels.multiply(n, gradient, 0, masks[l], 0, target, 0);
        } else if (gradient != target) {
            System.arraycopy(gradient, 0, target, 0, n);
        }
    }

    /** dW_x, dW_h and db of one layer as GEMMs over all positions, after the sweep. */
    private void weightGradients(int l, int[] symbols, float[] vectors, float[] gradients) {
        int h = shape.hiddenSize();
        int g = 4 * h;
        int inputRows = layout.gateWeights(l);
        if (l == 0 && shape.oneHotInput()) {
            Arrays.fill(gradients, inputRows, layout.recurrentWeights(l), 0f);
            for (int pos = 0; pos < positions; pos++) {
                kernels.axpy(g, 1f, gateGradients, pos * g, gradients, inputRows + symbols[pos] * g);
            }
        } else {
            int width = shape.layerInputSize(l);
            kernels.gemmTransA(width, g, positions, layerInput(l, vectors), layerInputAt(l), width, gateGradients, 0,
                    g, gradients, inputRows, g, false);
        }
        // Row t of the hidden array is h_{t-1} (row 0 the initial state): one GEMM over every step.
        kernels.gemmTransA(h, g, positions, hidden[l], 0, h, gateGradients, 0, g, gradients,
                layout.recurrentWeights(l), g, false);
        sumRows(gateGradients, g, gradients, layout.gateBias(l));
    }

    /** Rows of the transposed copy of layer {@code l}'s gate weights: input and recurrent, or recurrent only. */
    private int transposedRows(int l) {
        return l == 0 ? shape.hiddenSize() : shape.layerInputSize(l) + shape.hiddenSize();
    }

    /** Copies {@code source[from, from + width)} into every position's row of {@code target}: the biases. */
    private void repeatRow(float[] source, int from, int width, float[] target) {
        for (int pos = 0; pos < positions; pos++) {
            System.arraycopy(source, from, target, pos * width, width);
        }
    }

    /** Copies the {@code rows x cols} matrix at {@code source[from]} into {@code target} as {@code cols x rows}. */
    private static void transpose(float[] source, int from, int rows, int cols, float[] target) {
        for (int r = 0; r < rows; r++) {
            int row = from + r * cols;
            for (int c = 0; c < cols; c++) {
                target[c * rows + r] = source[row + c];
            }
        }
    }

    /** {@code target[0, width) = Σ over positions of the rows of {@code rows}}. */
    private void sumRows(float[] rows, int width, float[] target, int targetAt) {
        Arrays.fill(target, targetAt, targetAt + width, 0f);
        for (int pos = 0; pos < positions; pos++) {
            kernels.axpy(width, 1f, rows, pos * width, target, targetAt);
        }
    }

    private void saveLastState(LstmState last) {
        int stepWidth = streams * shape.hiddenSize();
        int lastAt = steps * stepWidth;
        for (int l = 0; l < shape.layers(); l++) {
            System.arraycopy(hidden[l], lastAt, last.h(l), 0, stepWidth);
            System.arraycopy(cells[l], lastAt, last.c(l), 0, stepWidth);
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
