package org.gatelane.core.model;

import java.util.Objects;

import org.gatelane.kernels.RecurrentKernels;

/**
 * A model's weights prepared once for the passes that only run forward over them while they stay as they are
 * (generation): the weights each GEMM of a pass multiplies by (the input rows of the layers that read vectors, and
 * the head's) packed, and, for a model over symbols, {@code bias + W_x[s]} for every symbol s, added with the same
 * float sums a pass makes per position. Prepared whole in the constructor and never changed after it, so one
 * instance serves every pass over the model, on any thread: a generator's stepping thread and the request threads
 * that feed prompts, each prompt in a pass of its own.
 */
public final class FixedWeights {

    private final RecurrentModel model;
    private final RecurrentKernels kernels;
    /** Per layer that reads vectors its packed input rows, at index {@code layers} the head's; null elsewhere. */
    private final float[][] packedProducts;
    /** Row s holds {@code bias + W_x[s]} of the first layer; null for a model that reads vectors. */
    private final float[] biasedInputRows;

    /** Prepares {@code model}'s weights as they are now; the model must not change while passes use them. */
    public FixedWeights(RecurrentModel model, RecurrentKernels kernels) {
        this.model = Objects.requireNonNull(model, "model");
        this.kernels = Objects.requireNonNull(kernels, "kernels");
        ModelShape shape = model.shape();
        ParameterLayout layout = model.layout();
        float[] p = model.parameters();
        int g = shape.gateWidth();
        packedProducts = new float[shape.layers() + 1][];
        for (int layer = shape.oneHotInput() ? 1 : 0; layer < shape.layers(); layer++) {
            packedProducts[layer] = packed(shape.layerInputSize(layer), g, p, layout.gateWeights(layer));
        }
        packedProducts[shape.layers()] = packed(shape.hiddenSize(), shape.outputSize(), p, layout.outputWeights());
        if (shape.oneHotInput()) {
            biasedInputRows = new float[shape.layerInputSize(0) * g];
            writeBiasedInputRows(model, kernels, biasedInputRows);
        } else {
            biasedInputRows = null;
        }
    }

    /**
     * Writes {@code bias + W_x[s]} of a one-hot model's first layer into row s of {@code rows} for every symbol s,
     * with the same additions as a bias copied and then a row added to it, so a step that copies a row has the
     * same bits as one that adds.
     */
    static void writeBiasedInputRows(RecurrentModel model, RecurrentKernels kernels, float[] rows) {
        float[] p = model.parameters();
        ParameterLayout layout = model.layout();
        int g = model.shape().gateWidth();
        for (int symbol = 0; symbol < model.shape().layerInputSize(0); symbol++) {
            System.arraycopy(p, layout.gateBias(0), rows, symbol * g, g);
            kernels.axpy(g, 1f, p, layout.gateWeights(0) + symbol * g, rows, symbol * g);
        }
    }

    private float[] packed(int k, int n, float[] p, int at) {
        float[] copy = new float[kernels.packedSize(k, n)];
        kernels.packB(k, n, p, at, n, copy, 0);
        return copy;
    }

    /** The model whose weights these are. */
    public RecurrentModel model() {
        return model;
    }

    /** The kernels that packed them, whose layout the products read. */
    public RecurrentKernels kernels() {
        return kernels;
    }

    /** The packed weights {@code layer} multiplies its input by ({@code layers}: the head's). */
    float[] packedProduct(int layer) {
        return packedProducts[layer];
    }

    /** {@code bias + W_x[s]} of the first layer for every symbol s, a row of G each. */
    float[] biasedInputRows() {
        return biasedInputRows;
    }
}
