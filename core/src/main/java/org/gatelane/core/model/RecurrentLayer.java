package org.gatelane.core.model;

import java.util.Arrays;

import org.gatelane.kernels.RecurrentKernels;

/**
 * One stacked layer's recurrence over a pass of {@code steps x streams}: the part of back-propagation through time
 * that depends on the cell. {@link SequencePass} owns the rest (the input side's projections and their gradients, the
 * gate bias among them; dropout; the head), so a new cell is one subclass plus its fused kernels, and
 * {@code SequencePass}'s callers never change.
 *
 * <p>Positions are time-major ({@code t·streams + b}). The recurrent weights {@code W_h [H x G]} multiply every
 * step's previous outputs: a GEMV at one stream, otherwise a GEMM on a copy packed once per pass (and the same
 * for {@code W_hᵀ} backward), since packing inside each of the T products took about a fifth of a training step.
 */
abstract sealed class RecurrentLayer permits LstmLayer, GruLayer, RnnLayer {

    final RecurrentKernels kernels;
    final ParameterLayout layout;
    final int layer;
    final int hiddenSize;
    final int gateWidth;
    final int steps;
    final int streams;
    final int positions;
    /**
     * The layer's outputs h, {@code [(positions + streams) x H]}, with one extra leading step holding the initial
     * state: step t's previous output is always step slot t, and {@code dW_h} is one GEMM over contiguous rows.
     */
    final float[] outputs;
    /**
     * Per position {@code [G]}: on entry to {@link #forward}, the input side's pre-activations (bias and input
     * projection, which {@code SequencePass} writes); after it, what the cell keeps for the backward pass.
     */
    final float[] gates;
    /** dL/dh of the previous step, carried backward from step to step. */
    final float[] carriedOutputGradient;
    private final float[] packedRecurrent;
    /** Whether the weights stay as they are for this layer's life, so {@link #packedRecurrent} is packed once. */
    private boolean weightsFixed;
    private boolean packed;
    /**
     * {@code W_hᵀ} packed for the reverse sweep with several streams, made by the first backward pass: a pass that
     * only ever runs forward (sampling, generation) never holds it.
     */
    private float[] packedRecurrentTransposed;

    RecurrentLayer(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        ModelShape shape = model.shape();
        this.kernels = kernels;
        this.layout = model.layout();
        this.layer = layer;
        this.hiddenSize = shape.hiddenSize();
        this.gateWidth = shape.gateWidth();
        this.steps = steps;
        this.streams = streams;
        this.positions = steps * streams;
        outputs = new float[(positions + streams) * hiddenSize];
        gates = new float[Math.multiplyExact(positions, gateWidth)];
        carriedOutputGradient = new float[streams * hiddenSize];
        boolean packs = streams > 1;
        packedRecurrent = packs ? new float[kernels.packedSize(hiddenSize, gateWidth)] : null;
    }

    /** The layer for {@code model}'s cell. */
    static RecurrentLayer of(RecurrentModel model, RecurrentKernels kernels, int layer, int steps, int streams) {
        return switch (model.shape().cell()) {
            case LSTM -> new LstmLayer(model, kernels, layer, steps, streams);
            case GRU -> new GruLayer(model, kernels, layer, steps, streams);
            case RNN -> new RnnLayer(model, kernels, layer, steps, streams);
        };
    }

    /**
     * Floats a layer holds, without overflow: what the constructors allocate, for checking a size against the
     * heap before asking for it. A packed {@code [k x n]} copy may pad its rows to whole vector panels, so it is
     * counted as {@code k·(n + }{@link RecurrentKernels#MAX_PANEL_WIDTH}{@code )}.
     */
    static long workspaceFloats(ModelShape shape, int steps, int streams) {
        long positions = (long) steps * streams;
        long h = shape.hiddenSize();
        long g = shape.gateWidth();
        long packs = streams > 1 ? 2 * g * h + RecurrentKernels.MAX_PANEL_WIDTH * (g + h) : 0;
        long common = (positions + streams) * h + positions * g + streams * h + packs;
        long cell = switch (shape.cell()) {
            case LSTM -> (positions + streams) * h + positions * h + streams * h;
            case GRU -> 2 * positions * g;
            case RNN -> 0;
        };
        return common + cell;
    }

    /**
     * Runs the recurrence over every step; on exit {@link #outputs} holds every step's h. The input side's
     * pre-activations are in {@link #gates} on entry, unless {@code inputRows} is given: then each step's come from
     * its row for each symbol ({@code symbols [positions]}, rows {@code [symbols x G]}), copied by
     * {@link #gatherInputs} just before the step reads them.
     */
    abstract void forward(float[] parameters, RecurrentState initial, float[] inputRows, int[] symbols);

    /**
     * Copies step t's input rows into {@link #gates} when the pass gathers them ({@code inputRows} not null). Step
     * by step, not all positions before the recurrence: the step's product and cell then find the rows in L1,
     * where a sweep over all {@code T·B·G} floats ahead of them left them to come back from memory.
     */
    final void gatherInputs(int t, float[] inputRows, int[] symbols) {
        if (inputRows == null) {
            return;
        }
        for (int pos = t * streams; pos < (t + 1) * streams; pos++) {
            System.arraycopy(inputRows, symbols[pos] * gateWidth, gates, pos * gateWidth, gateWidth);
        }
    }

    /**
     * The reverse sweep. {@code outputGradients [positions x H]} holds dL/dh of every output from above (the
     * carried gradient is added in place); writes dL/d(input side's pre-activations) into
     * {@code gateGradients [positions x G]} (from which {@code SequencePass} sums the gate bias's gradient), the
     * gradients of the recurrent weights and of any bias inside the cell into {@code gradients}, and dL/d(initial
     * state) into {@code initialGradients} when it is not null.
     */
    abstract void backward(float[] parameters, float[] outputGradients, float[] gateGradients, float[] gradients,
                           RecurrentState initialGradients);

    /** Copies the state after the last step into {@code last}. */
    abstract void saveLast(RecurrentState last);

    /** From now on the weights do not change: {@code W_h} is packed at the next pass and kept. */
    final void fixWeights() {
        weightsFixed = true;
    }

    /** Copies the initial h into the leading step slot and packs {@code W_h} for the pass (once, if fixed). */
    final void begin(float[] parameters, RecurrentState initial) {
        System.arraycopy(initial.h(layer), 0, outputs, 0, streams * hiddenSize);
        if (packedRecurrent != null && !(weightsFixed && packed)) {
            kernels.packB(hiddenSize, gateWidth, parameters, layout.recurrentWeights(layer), gateWidth,
                    packedRecurrent, 0);
            packed = true;
        }
    }

    /** {@code out [streams x G] (+)= h_{t-1} · W_h}, at {@code outAt}. */
    final void recurrentProduct(float[] parameters, int t, float[] out, int outAt, boolean accumulate) {
        int previousAt = t * streams * hiddenSize;
        if (packedRecurrent == null) {
            kernels.gemv(hiddenSize, gateWidth, outputs, previousAt, parameters, layout.recurrentWeights(layer),
                    gateWidth, out, outAt, accumulate);
        } else {
            kernels.gemmPacked(streams, gateWidth, hiddenSize, outputs, previousAt, hiddenSize, packedRecurrent, 0,
                    out, outAt, gateWidth, accumulate);
        }
    }

    /** Packs {@code W_hᵀ} for the reverse sweep and clears the carried gradient. */
    final void beginBackward(float[] parameters) {
        if (packedRecurrent != null) {
            if (packedRecurrentTransposed == null) {
                packedRecurrentTransposed = new float[kernels.packedSize(gateWidth, hiddenSize)];
            }
            kernels.packBTransposed(gateWidth, hiddenSize, parameters, layout.recurrentWeights(layer), gateWidth,
                    packedRecurrentTransposed, 0);
        }
        Arrays.fill(carriedOutputGradient, 0f);
    }

    /** Copies dL/dh of the initial state, the carry the sweep ends with, into {@code initialGradients}. */
    final void saveInitialOutputGradient(RecurrentState initialGradients) {
        System.arraycopy(carriedOutputGradient, 0, initialGradients.h(layer), 0, carriedOutputGradient.length);
    }

    /**
     * Whether the reverse sweep at step t carries its gradient on to {@code h_{t-1}}: at every step but the first,
     * and at the first only for a caller that asks for the initial state's gradient. Training (truncated BPTT) does
     * not ask, and its first step's product, whose result nothing reads, would be 1/T of the sweep's products.
     */
    static boolean carriesBack(int t, RecurrentState initialGradients) {
        return t > 0 || initialGradients != null;
    }

    /** {@code carried [streams x H] (+)= d [streams x G] · W_hᵀ}, d read at {@code dAt}. */
    final void recurrentGradientProduct(float[] parameters, float[] d, int dAt, boolean accumulate) {
        if (packedRecurrentTransposed == null) {
            kernels.gemvTransposed(hiddenSize, gateWidth, parameters, layout.recurrentWeights(layer), gateWidth, d, dAt,
                    carriedOutputGradient, 0, accumulate);
        } else {
            kernels.gemmPacked(streams, hiddenSize, gateWidth, d, dAt, gateWidth, packedRecurrentTransposed, 0,
                    carriedOutputGradient, 0, hiddenSize, accumulate);
        }
    }

    /** Adds the carried gradient to step t's output gradients, where the sweep reads them. */
    final void addCarried(float[] outputGradients, int t) {
        kernels.axpy(streams * hiddenSize, 1f, carriedOutputGradient, 0, outputGradients, t * streams * hiddenSize);
    }

    /** {@code dW_h = Σ_t h_{t-1}ᵀ · d_t} as one GEMM: row t of {@link #outputs} is h_{t-1}. */
    final void recurrentWeightGradients(float[] d, float[] gradients) {
        kernels.gemmTransA(hiddenSize, gateWidth, positions, outputs, 0, hiddenSize, d, 0, gateWidth, gradients,
                layout.recurrentWeights(layer), gateWidth, false);
    }

    /** {@code target[targetAt, +width) = Σ over positions of rows[pos·stride + from, +width)}. */
    final void sumRows(float[] rows, int stride, int from, int width, float[] target, int targetAt) {
        kernels.sumRows(positions, width, rows, from, stride, target, targetAt);
    }

    /** Copies h after the last step into {@code last}. */
    final void saveLastOutput(RecurrentState last) {
        System.arraycopy(outputs, positions * hiddenSize, last.h(layer), 0, streams * hiddenSize);
    }
}
