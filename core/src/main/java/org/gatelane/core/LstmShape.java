package org.gatelane.core;

/**
 * The sizes of a stacked LSTM with a dense softmax output.
 *
 * @param inputSize   symbols of a one-hot input, or the width of a dense input vector
 * @param hiddenSize  H, the width of h and c in every layer
 * @param layers      L, the number of stacked LSTM layers
 * @param outputSize  V, the number of output classes
 * @param oneHotInput whether the first layer's input is a symbol index (a row gather) rather than a vector
 */
public record LstmShape(int inputSize, int hiddenSize, int layers, int outputSize, boolean oneHotInput) {

    /** The most parameters a model may have: they live in one Java array. */
    public static final int MAX_PARAMETERS = Integer.MAX_VALUE - 8;

    /**
     * Validates every size; throws {@link IllegalArgumentException} naming the bad one, or saying that the
     * parameters would not fit in one array.
     */
    public LstmShape {
        requirePositive("inputSize", inputSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layers", layers);
        requirePositive("outputSize", outputSize);
        long count = parameterCount(inputSize, hiddenSize, layers, outputSize);
        if (count > MAX_PARAMETERS) {
            throw new IllegalArgumentException("a model with inputSize " + inputSize + ", H=" + hiddenSize + ", "
                    + layers + " layers and outputSize " + outputSize + " has " + count + " parameters ("
                    + Bytes.describe(4 * count) + "); one Java array holds at most " + MAX_PARAMETERS);
        }
    }

    /** Every weight and bias, counted without overflow: per layer {@code (in + H)·4H + 4H}, then {@code H·V + V}. */
    private static long parameterCount(long inputSize, long hiddenSize, long layers, long outputSize) {
        long gates = 4 * hiddenSize;
        long first = (inputSize + hiddenSize + 1) * gates;
        long above = (2 * hiddenSize + 1) * gates;
        // Saturate instead of overflowing: past MAX_PARAMETERS the exact figure only feeds the message.
        double total = first + (double) above * (layers - 1) + (double) (hiddenSize + 1) * outputSize;
        return total >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) total;
    }

    /** Number of parameters: the length of the model's parameter array. */
    public int parameterCount() {
        return (int) parameterCount(inputSize, hiddenSize, layers, outputSize);
    }

    /** A character model: one-hot input and softmax output over the same {@code vocabularySize} symbols. */
    public static LstmShape characterModel(int vocabularySize, int hiddenSize, int layers) {
        return new LstmShape(vocabularySize, hiddenSize, layers, vocabularySize, true);
    }

    /** Rows of a layer's input weights: the input width for the first layer, H above it. */
    public int layerInputSize(int layer) {
        return layer == 0 ? inputSize : hiddenSize;
    }

    /** 4·H, the width of the packed gate pre-activations. */
    public int gateWidth() {
        return 4 * hiddenSize;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
        }
    }
}
