package org.gatelane.core.model;

import java.util.Arrays;
import java.util.Objects;

import org.gatelane.kernels.RecurrentKernels;

/**
 * Forward and backward passes of an {@link RecurrentModel} (LSTM or GRU) over {@code steps} time steps of
 * {@code streams} parallel streams, with a workspace allocated once: after construction, no call allocates.
 *
 * <p>Inputs and targets are time-major: position {@code t·streams + b} holds step {@code t} of stream {@code b}.
 * The schedule follows the fast libraries: each layer's input projections for all steps at once (a row gather
 * for one-hot input, one GEMM for dense input), then the recurrence step by step (GEMV at one stream, GEMM at
 * several) with the fused cell, the output layer as one GEMM over every position with fused
 * softmax-cross-entropy; backward in reverse time with the fused cell backward, and weight gradients as GEMMs
 * over all steps after the sweep. The recurrence itself, the only part that depends on the cell, is each layer's
 * {@link RecurrentLayer}.
 *
 * <p>Dropout, when the rate is above zero, follows PyTorch's {@code nn.LSTM(dropout=p)} followed by a dropout
 * before the head: the output of every layer is multiplied by an inverted mask (0 or {@code 1/(1-p)}) on its way
 * up, never on its way along the recurrence. Masks are drawn by {@link #drawDropoutMasks(Rng)} and then apply to
 * every pass until the next draw, so a gradient check sees one fixed function; before the first draw, and after
 * {@link #skipDropout()}, no dropout applies.
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class SequencePass {

    private final RecurrentModel model;
    private final ModelShape shape;
    private final ParameterLayout layout;
    private final RecurrentKernels kernels;
    private final int steps;
    private final int streams;
    private final int positions;
    private final RecurrentLayer[] layers;
    /** Logits of every position, overwritten by their gradients. */
    private final float[] logits;
    private final float[] gateGradients;
    private final float[] hiddenGradients;
    private final float[] hiddenGradientsBelow;
    /**
     * The transpose of the head's weight gradient {@code [V x H]}, on its way into the gradients (see
     * {@link #outputWeightGradients}); only with several positions.
     */
    private final float[] transposedHeadGradient;
    /** The dropout rate p, and per layer the inverted mask of its output and that output after the mask. */
    private final float dropout;
    private final float[][] masks;
    private final float[][] droppedOutputs;
    private boolean masksDrawn;
    /**
     * The weights prepared for a pass that only runs forward over them, null for any other pass: a generation step
     * multiplies only as many rows as there are streams, so a GEMM that packed its B on every call would copy the
     * whole matrix for every few rows, and a step over symbols copies one prepared row per stream.
     */
    private FixedWeights fixed;
    /**
     * A training pass's {@code bias + W_x[s]} of a one-hot first layer, refreshed at every forward pass: a
     * position's gates then start from one copied row instead of a bias copied over all positions and a row added
     * in a second sweep, a sweep over {@code T·B·4H} floats that no cache holds (2.5 % of a step at H = 256).
     */
    private final float[] biasedInputRows;

    /**
     * @param kernels the kernels every pass runs on (see {@code org.gatelane.kernels.Kernels})
     * @param steps   T, time steps per pass
     * @param streams B, parallel streams per pass
     */
    public SequencePass(RecurrentModel model, RecurrentKernels kernels, int steps, int streams) {
        this(model, kernels, steps, streams, 0f);
    }

    /**
     * @param dropout the dropout rate p in {@code [0, 1)}; 0 for none
     */
    public SequencePass(RecurrentModel model, RecurrentKernels kernels, int steps, int streams, float dropout) {
        this(model, kernels, steps, streams, dropout, false);
    }

    private SequencePass(RecurrentModel model, RecurrentKernels kernels, int steps, int streams, float dropout,
                         boolean forwardOnly) {
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
        int h = shape.hiddenSize();
        layers = new RecurrentLayer[shape.layers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = RecurrentLayer.of(model, kernels, l, steps, streams);
        }
        logits = new float[Math.multiplyExact(positions, shape.outputSize())];
        // A pass that only runs forward holds no gradients: nearly half of the workspace at H = 512.
        int gradientPositions = forwardOnly ? 0 : positions;
        gateGradients = new float[gradientPositions * shape.gateWidth()];
        hiddenGradients = new float[gradientPositions * h];
        hiddenGradientsBelow = new float[gradientPositions * h];
        boolean transposes = gradientPositions > 1;
        transposedHeadGradient = transposes ? new float[h * shape.outputSize()] : null;
        this.dropout = dropout;
        this.masks = new float[dropout > 0 ? layers.length : 0][positions * h];
        this.droppedOutputs = new float[masks.length][positions * h];
        // A pass that only runs forward reads the rows of its FixedWeights.
        biasedInputRows = shape.oneHotInput() && !forwardOnly ? new float[shape.layerInputSize(0) * shape.gateWidth()]
                : null;
    }

    /**
     * A pass that only runs forward, over weights prepared once for every such pass (generation): the recurrent
     * weights are packed for the products once, at the first pass, instead of at every one, which at one step per
     * pass would cost more than the product itself, and the workspace holds no gradients. Training such a pass is
     * refused.
     */
    public static SequencePass forFixedWeights(FixedWeights fixed, int steps, int streams) {
        SequencePass pass = new SequencePass(fixed.model(), fixed.kernels(), steps, streams, 0f, true);
        pass.fixed = fixed;
        for (RecurrentLayer layer : pass.layers) {
            layer.fixWeights();
        }
        return pass;
    }

    /**
     * Floats the workspace of a pass over {@code steps x streams} holds, without overflow: what the constructor
     * allocates, for checking a size against the heap before asking for it.
     */
    public static long workspaceFloats(ModelShape shape, int steps, int streams, float dropout) {
        long positions = (long) steps * streams;
        long h = shape.hiddenSize();
        long perLayer = RecurrentLayer.workspaceFloats(shape, steps, streams)
                + (dropout > 0 ? 2 * positions * h : 0);
        return shape.layers() * perLayer + positions * shape.outputSize() + positions * shape.gateWidth()
                + 2 * positions * h + h * shape.outputSize()
                + (shape.oneHotInput() ? (long) shape.layerInputSize(0) * shape.gateWidth() : 0);
    }

    /** The dropout rate this instance was made with. */
    public float dropout() {
        return dropout;
    }

    /**
     * Draws a fresh inverted-dropout mask for every layer's output at every position (time-major, then unit)
     * from {@code rng}: 0 with probability p, {@code 1/(1-p)} otherwise, unit by unit as {@code rng.nextDouble() < p}
     * decides (see {@link RecurrentKernels#dropoutMask}). Later passes apply these masks until
     * the next draw. Does nothing, and draws nothing, when the rate is 0.
     */
    public void drawDropoutMasks(Rng rng) {
        if (dropout == 0) {
            return;
        }
        for (float[] mask : masks) {
            rng.restore(kernels.dropoutMask(mask.length, dropout, rng.state(), mask, 0));
        }
        masksDrawn = true;
    }

    /**
     * Makes the passes until the next {@link #drawDropoutMasks draw} apply no dropout, as if the rate were 0: how a
     * trainer whose dropout begins late trains before it begins.
     */
    public void skipDropout() {
        masksDrawn = false;
    }

    public RecurrentModel model() {
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
    public float lossAndGradients(int[] symbols, int[] targets, RecurrentState initial, RecurrentState last,
                                  float[] gradients, RecurrentState initialGradients) {
        return run(symbols, null, targets, initial, last, gradients, initialGradients);
    }

    /** As {@link #lossAndGradients(int[], int[], RecurrentState, RecurrentState, float[], RecurrentState)} for dense inputs
     *  {@code vectors [steps x streams x inputSize]}. */
    public float lossAndGradients(float[] vectors, int[] targets, RecurrentState initial, RecurrentState last,
                                  float[] gradients, RecurrentState initialGradients) {
        return run(null, vectors, targets, initial, last, gradients, initialGradients);
    }

    /** The mean cross-entropy in nats, forward only; {@code last} receives the final state if not null. */
    public float loss(int[] symbols, int[] targets, RecurrentState initial, RecurrentState last) {
        return run(symbols, null, targets, initial, last, null, null);
    }

    /** As {@link #loss(int[], int[], RecurrentState, RecurrentState)} for dense inputs. */
    public float loss(float[] vectors, int[] targets, RecurrentState initial, RecurrentState last) {
        return run(null, vectors, targets, initial, last, null, null);
    }

    /**
     * Forward only, without a loss: advances {@code state} in place by the inputs (symbols, or vectors for a dense
     * model; the other null) and returns the logits of every position, {@code [positions x outputSize]}, in an
     * array the next call reuses. The sampler's step.
     */
    public float[] logits(int[] symbols, float[] vectors, RecurrentState state) {
        forwardLayers(symbols, vectors, state);
        headLogits();
        saveLastState(state);
        return logits;
    }

    private float run(int[] symbols, float[] vectors, int[] targets, RecurrentState initial, RecurrentState last,
                      float[] gradients, RecurrentState initialGradients) {
        checkInputs(symbols, vectors, targets, initial, last, gradients, initialGradients);
        if (gradients != null && fixed != null) {
            throw new IllegalStateException("a pass for fixed weights only runs forward; train with a pass of its own");
        }
        forwardLayers(symbols, vectors, initial);
        headLogits();
        float loss = softmaxLoss(targets);
        if (gradients != null) {
            backward(symbols, vectors, gradients, initialGradients);
        }
        if (last != null) {
            saveLastState(last);
        }
        return loss;
    }

    // ---- Forward ---------------------------------------------------------------------------------------

    private void forwardLayers(int[] symbols, float[] vectors, RecurrentState initial) {
        float[] p = model.parameters();
        for (int l = 0; l < layers.length; l++) {
            float[] inputRows = projectInputs(l, vectors, layers[l].gates);
            layers[l].forward(p, initial, inputRows, symbols);
            if (masksDrawn) {
                kernels.multiply(positions * shape.hiddenSize(), layers[l].outputs, streams * shape.hiddenSize(),
                        masks[l], 0, droppedOutputs[l], 0);
            }
        }
    }

    /**
     * The input side of {@code layer}'s pre-activations, bias + input contribution. Over symbols it returns the
     * rows {@code bias + W_x[s]}, which the layer gathers step by step; otherwise it writes {@code z} for every
     * position, a bias copy and one GEMM, and returns null.
     */
    private float[] projectInputs(int layer, float[] vectors, float[] z) {
        float[] p = model.parameters();
        int g = shape.gateWidth();
        if (layer == 0 && shape.oneHotInput()) {
            if (fixed != null) {
                return fixed.biasedInputRows();
            }
            FixedWeights.writeBiasedInputRows(model, kernels, biasedInputRows);
            return biasedInputRows;
        }
        repeatRow(p, layout.gateBias(layer), g, z);
        int width = shape.layerInputSize(layer);
        rowsTimesWeights(layer, positions, width, g, layerInput(layer, vectors), layerInputAt(layer), p,
                layout.gateWeights(layer), z);
        return null;
    }

    /**
     * {@code out[rows x n] += in[rows x k] · W[k x n]}, W being what {@code layer} reads (the head's at
     * {@code layers}): a GEMV for one row, a GEMM for several, on W packed once when the weights are fixed.
     */
    private void rowsTimesWeights(int layer, int rows, int k, int n, float[] in, int inAt, float[] w, int wAt,
                                  float[] out) {
        if (rows == 1) {
            kernels.gemv(k, n, in, inAt, w, wAt, n, out, 0, true);
        } else if (fixed != null) {
            kernels.gemmPacked(rows, n, k, in, inAt, k, fixed.packedProduct(layer), 0, out, 0, n, true);
        } else {
            kernels.gemm(rows, n, k, in, inAt, k, w, wAt, n, out, 0, n, true);
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
        return masksDrawn ? droppedOutputs[layer - 1] : layers[layer - 1].outputs;
    }

    private int layerInputAt(int layer) {
        return layer == 0 || masksDrawn ? 0 : streams * shape.hiddenSize();
    }

    /** Logits for every position: one GEMM (a GEMV at one position). */
    private void headLogits() {
        float[] p = model.parameters();
        int v = shape.outputSize();
        repeatRow(p, layout.outputBias(), v, logits);
        int head = layers.length;
        rowsTimesWeights(head, positions, shape.hiddenSize(), v, layerInput(head, null), layerInputAt(head), p,
                layout.outputWeights(), logits);
    }

    /** Softmax-cross-entropy of every position; leaves dLoss/dLogits in place of the logits. */
    private float softmaxLoss(int[] targets) {
        int v = shape.outputSize();
        float gradScale = 1f / positions;
        double total = 0;
        for (int pos = 0; pos < positions; pos++) {
            total += kernels.softmaxCrossEntropy(v, logits, pos * v, targets[pos], gradScale, logits, pos * v);
        }
        return (float) (total / positions);
    }

    // ---- Backward --------------------------------------------------------------------------------------

    /** Every gradient region is written exactly once: products overwrite, sums start from zero. */
    private void backward(int[] symbols, float[] vectors, float[] gradients, RecurrentState initialGradients) {
        float[] p = model.parameters();
        int h = shape.hiddenSize();
        int v = shape.outputSize();
        int top = layers.length - 1;
        // Output layer: dWy = H_topᵀ·dLogits, dby = Σ dLogits, dH_top = (dLogits·Wyᵀ) ∘ mask.
        int head = layers.length;
        outputWeightGradients(gradients);
        kernels.sumRows(positions, v, logits, 0, v, gradients, layout.outputBias());
        timesWeightsT(logits, v, h, layout.outputWeights(), hiddenGradients);
        throughDropout(top, hiddenGradients, hiddenGradients);

        for (int l = top; l >= 0; l--) {
            layers[l].backward(p, hiddenGradients, gateGradients, gradients, initialGradients);
            inputSideGradients(l, symbols, vectors, gradients);
            if (l > 0) {
                // dH of the layer below = (dZ · W_xᵀ) ∘ its mask, then it becomes this loop's incoming gradient.
                timesWeightsT(gateGradients, shape.gateWidth(), h, layout.gateWeights(l), hiddenGradientsBelow);
                throughDropout(l - 1, hiddenGradientsBelow, hiddenGradients);
            }
        }
    }

    /**
     * {@code dWy = H_topᵀ · dLogits} from the logits' gradients in {@link #logits}. With several positions it is
     * computed as its transpose {@code dLogitsᵀ · H_top} into {@link #transposedHeadGradient}, then transposed
     * into place: the GEMM engine copies its transposed operand into rows, and dLogits has V columns where
     * H_top has H (a quarter at H = 256, V = 65), and H's columns fill whole panels where V's 65 leave one
     * column in a panel of its own. Profile of a training step at H = 256 (bench/profile.sh, Zen 4): this
     * product went from 3.8 % of the step to 2.1 %.
     */
    private void outputWeightGradients(float[] gradients) {
        int h = shape.hiddenSize();
        int v = shape.outputSize();
        int head = layers.length;
        float[] top = layerInput(head, null);
        int topAt = layerInputAt(head);
        if (transposedHeadGradient == null) {
            kernels.gemmTransA(h, v, positions, top, topAt, h, logits, 0, v, gradients, layout.outputWeights(), v,
                    false);
        } else {
            kernels.gemmTransA(v, h, positions, logits, 0, v, top, topAt, h, transposedHeadGradient, 0, h, false);
            kernels.transpose(v, h, transposedHeadGradient, 0, gradients, layout.outputWeights());
        }
    }

    /**
     * {@code target[positions x k] = d[positions x n] · W[k x n]ᵀ} for the weights at {@code p[wAt]}: a transposed
     * GEMV at one position, else a GEMM that packs {@code Wᵀ} from W as it goes.
     */
    private void timesWeightsT(float[] d, int n, int k, int wAt, float[] target) {
        float[] p = model.parameters();
        if (positions == 1) {
            kernels.gemvTransposed(k, n, p, wAt, n, d, 0, target, 0, false);
        } else {
            kernels.gemmTransB(positions, k, n, d, 0, n, p, wAt, n, target, 0, k, false);
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

    /**
     * The gradients of {@link #projectInputs}'s parameters, the gate bias and dW_x of layer {@code l}, from the
     * layer's gate gradients. For one-hot input dW_x is a scatter of rows, and each row is added to the bias while
     * it is in L1: one sweep over the {@code T·B·G} gate gradients where the scatter and a separate sum took two.
     * The bias is summed in position order either way, so its bits do not depend on which input the layer has.
     */
    private void inputSideGradients(int l, int[] symbols, float[] vectors, float[] gradients) {
        int g = shape.gateWidth();
        int inputRows = layout.gateWeights(l);
        int bias = layout.gateBias(l);
        if (l == 0 && shape.oneHotInput()) {
            Arrays.fill(gradients, inputRows, layout.recurrentWeights(l), 0f);
            Arrays.fill(gradients, bias, bias + g, 0f);
            for (int pos = 0; pos < positions; pos++) {
                kernels.axpy(g, 1f, gateGradients, pos * g, gradients, inputRows + symbols[pos] * g);
                kernels.axpy(g, 1f, gateGradients, pos * g, gradients, bias);
            }
        } else {
            int width = shape.layerInputSize(l);
            kernels.gemmTransA(width, g, positions, layerInput(l, vectors), layerInputAt(l), width, gateGradients, 0,
                    g, gradients, inputRows, g, false);
            kernels.sumRows(positions, g, gateGradients, 0, g, gradients, bias);
        }
    }

    /** Copies {@code source[from, from + width)} into every position's row of {@code target}: the biases. */
    private void repeatRow(float[] source, int from, int width, float[] target) {
        for (int pos = 0; pos < positions; pos++) {
            System.arraycopy(source, from, target, pos * width, width);
        }
    }

    private void saveLastState(RecurrentState last) {
        for (RecurrentLayer layer : layers) {
            layer.saveLast(last);
        }
    }

    // ---- Checks ----------------------------------------------------------------------------------------

    private void checkInputs(int[] symbols, float[] vectors, int[] targets, RecurrentState initial, RecurrentState last,
                             float[] gradients, RecurrentState initialGradients) {
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

    private void requireState(String name, RecurrentState state) {
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
