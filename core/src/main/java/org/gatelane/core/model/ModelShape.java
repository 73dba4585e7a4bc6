package org.gatelane.core.model;

import java.util.Objects;

/**
 * The sizes of a stacked recurrent network with a dense softmax output, and its cell. The name is the library's
 * first: a shape with {@link Cell#GRU} describes a stacked GRU.
 *
 * @param inputSize   symbols of a one-hot input, or the width of a dense input vector
 * @param hiddenSize  H, the width of h and c in every layer
 * @param layers      L, the number of stacked LSTM layers
 * @param outputSize  V, the number of output classes
 * @param oneHotInput whether the first layer's input is a symbol index (a row gather) rather than a vector
 * @param cell        the recurrent cell of every layer
 */
public record ModelShape(int inputSize, int hiddenSize, int layers, int outputSize, boolean oneHotInput, Cell cell) {

    /** The most parameters a model may have: they live in one Java array. */
    public static final int MAX_PARAMETERS = Integer.MAX_VALUE - 8;

    /**
     * Validates every size; throws {@link IllegalArgumentException} naming the bad one, or saying that the
     * parameters would not fit in one array.
     */
    public ModelShape {
        requirePositive("inputSize", inputSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layers", layers);
        requirePositive("outputSize", outputSize);
        Objects.requireNonNull(cell, "cell");
        long count = parameterCount(cell, inputSize, hiddenSize, layers, outputSize);
        if (count > MAX_PARAMETERS) {
            throw new IllegalArgumentException("a model with inputSize " + inputSize + ", H=" + hiddenSize + ", "
                    + layers + " layers and outputSize " + outputSize + " has " + count + " parameters ("
                    + Bytes.describe(4 * count) + "); one Java array holds at most " + MAX_PARAMETERS);
        }
    }

    /** A stacked LSTM. */
    public ModelShape(int inputSize, int hiddenSize, int layers, int outputSize, boolean oneHotInput) {
        this(inputSize, hiddenSize, layers, outputSize, oneHotInput, Cell.LSTM);
    }

    /**
     * Every weight and bias, counted without overflow: per layer {@code (in + H)·G + 4H} with {@code G} the gate
     * width, then {@code H·V + V}.
     */
    private static long parameterCount(Cell cell, long inputSize, long hiddenSize, long layers, long outputSize) {
        long gates = cell.gateBlocks() * hiddenSize;
        long bias = cell.biasBlocks() * hiddenSize;
        long first = (inputSize + hiddenSize) * gates + bias;
        long above = 2 * hiddenSize * gates + bias;
        // Saturate instead of overflowing: past MAX_PARAMETERS the exact figure only feeds the message.
        double total = first + (double) above * (layers - 1) + (double) (hiddenSize + 1) * outputSize;
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) total;
    }

    /** Number of parameters: the length of the model's parameter array. */
    public int parameterCount() {
        return (int) parameterCount(cell, inputSize, hiddenSize, layers, outputSize);
    }

    /** This shape with {@code cell} in every layer. */
    public ModelShape withCell(Cell cell) {
        return new ModelShape(inputSize, hiddenSize, layers, outputSize, oneHotInput, cell);
    }

    /** A character LSTM: one-hot input and softmax output over the same {@code vocabularySize} symbols. */
    public static ModelShape characterModel(int vocabularySize, int hiddenSize, int layers) {
        return new ModelShape(vocabularySize, hiddenSize, layers, vocabularySize, true);
    }

    /** Rows of a layer's input weights: the input width for the first layer, H above it. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : hiddenSize;
    }

    /** The width of a layer's packed gate pre-activations: 4·H for the LSTM, 3·H for the GRU. */
    public int gateWidth() {
        return cell.gateBlocks() * hiddenSize;
    }

    /** The length of a layer's bias: {@link Cell#biasBlocks()} blocks of H. */
    public int biasWidth() {
        return cell.biasBlocks() * hiddenSize;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
        }
    }
}
