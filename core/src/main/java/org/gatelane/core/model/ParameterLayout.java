package org.gatelane.core.model;

/**
 * Where each named parameter lives in the one contiguous {@code float[]} of a model. Gradients and optimizer
 * state use the same layout, so an optimizer step, a norm or a checkpoint is one pass over one array.
 *
 * <p>Per layer {@code l}: the packed gate weights {@code W_l [(in_l + H) x G]} (input rows first, then the
 * recurrent rows; column blocks i, f, g, o of the LSTM, r, z, n of the GRU, so G is 4H or 3H), then the bias
 * {@code b_l [4H]} (see {@link Cell}). After the layers: the output weights {@code Wy [H x V]} and bias
 * {@code by [V]}.
 */
public final class ParameterLayout {

    private final ModelShape shape;
    private final int[] weightOffsets;
    private final int[] biasOffsets;
    private final int outputWeightOffset;
    private final int outputBiasOffset;
    private final int size;

    public ParameterLayout(ModelShape shape) {
        this.shape = shape;
        int layers = shape.layers();
        weightOffsets = new int[layers];
        biasOffsets = new int[layers];
        long at = 0;
        for (int l = 0; l < layers; l++) {
            weightOffsets[l] = Math.toIntExact(at);
            at += (long) (shape.layerInputSize(l) + shape.hiddenSize()) * shape.gateWidth();
            biasOffsets[l] = Math.toIntExact(at);
            at += shape.biasWidth();
        }
        outputWeightOffset = Math.toIntExact(at);
        at += (long) shape.hiddenSize() * shape.outputSize();
        outputBiasOffset = Math.toIntExact(at);
        at += shape.outputSize();
        size = Math.toIntExact(at); // ModelShape has checked that the parameters fit in one array
    }

    public ModelShape shape() {
        return shape;
    }

    /** Total number of parameters. */
    public int size() {
        return size;
    }

    /** Offset of layer {@code l}'s packed gate weights; the input rows come first. */
    public int gateWeights(int layer) {
        return weightOffsets[layer];
    }

    /** Offset of layer {@code l}'s recurrent rows {@code W_h [H x G]}. */
    public int recurrentWeights(int layer) {
        return weightOffsets[layer] + shape.layerInputSize(layer) * shape.gateWidth();
    }

    /** Offset of layer {@code l}'s bias {@code [4H]}; its first G values add to the gate pre-activations. */
    public int gateBias(int layer) {
        return biasOffsets[layer];
    }

    /** Offset of a GRU layer's {@code b_hn [H]}, the bias that the reset gate multiplies: the bias's last block. */
    public int candidateRecurrentBias(int layer) {
        return biasOffsets[layer] + shape.gateWidth();
    }

    /**
     * The biases that stand for a sum of two PyTorch parameters ({@code b_ih + b_hh}; see
     * {@link Cell#mergedBiasBlocks()}), as ascending {@code [from, to)} pairs: {@code from0, to0, from1, ...}.
     * Under the same gradient two such copies move twice as far as one, so {@code Optimizer} steps these at twice
     * the rate and {@code GradientClipping} counts them twice, which keeps training exactly PyTorch's.
     */
    public int[] twinBiases() {
        int width = shape.cell().mergedBiasBlocks() * shape.hiddenSize();
        int[] ranges = new int[2 * biasOffsets.length];
        for (int l = 0; l < biasOffsets.length; l++) {
            ranges[2 * l] = biasOffsets[l];
            ranges[2 * l + 1] = biasOffsets[l] + width;
        }
        return ranges;
    }

    /**
     * The first parameter that is NaN or infinite, named by where it lives, such as
     * {@code layer 0 recurrent weights [3, 17] is NaN}; null if every parameter is finite.
     *
     * @throws IllegalArgumentException if {@code parameters} is not this layout's size
     */
    public String firstNonFinite(float[] parameters) {
        if (parameters.length != size) {
            throw new IllegalArgumentException("a layout of " + size + " parameters got " + parameters.length);
        }
        for (int i = 0; i < size; i++) {
            if (!Float.isFinite(parameters[i])) {
                return describe(i) + " is " + parameters[i];
            }
        }
        return null;
    }

    /** Where parameter {@code index} lives: its tensor and its row and column there. */
    private String describe(int index) {
        int gates = shape.gateWidth();
        for (int l = 0; l < weightOffsets.length; l++) {
            if (index < recurrentWeights(l)) {
                int at = index - weightOffsets[l];
                return "layer " + l + " input weights [" + at / gates + ", " + at % gates + "]";
            }
            if (index < biasOffsets[l]) {
                int at = index - recurrentWeights(l);
                return "layer " + l + " recurrent weights [" + at / gates + ", " + at % gates + "]";
            }
            if (index < biasOffsets[l] + shape.biasWidth()) {
                return "layer " + l + " bias [" + (index - biasOffsets[l]) + "]";
            }
        }
        if (index < outputBiasOffset) {
            int at = index - outputWeightOffset;
            return "output weights [" + at / shape.outputSize() + ", " + at % shape.outputSize() + "]";
        }
        return "output bias [" + (index - outputBiasOffset) + "]";
    }

    /** Offset of the output weights {@code Wy [H x V]}. */
    public int outputWeights() {
        return outputWeightOffset;
    }

    /** Offset of the output bias {@code by [V]}. */
    public int outputBias() {
        return outputBiasOffset;
    }
}
