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

    /** Validates every size; throws {@link IllegalArgumentException} naming the bad one. */
    public LstmShape {
        requirePositive("inputSize", inputSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("layers", layers);
        requirePositive("outputSize", outputSize);
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
