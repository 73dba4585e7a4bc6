package org.gatelane.core.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.SequencePass;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Import, export and gradients of a one-layer character model in the seed article's layout, so anyone can
 * check Gatelane against numpy or PyTorch.
 *
 * <p>The layout, all row-major {@code float[rows][cols]}: {@code Wf, Wi, Wc, Wo}, each {@code [(H + V) x H]},
 * whose first H rows multiply {@code h_{t-1}} and next V rows the one-hot {@code x_t}; {@code bf, bi, bc, bo}
 * {@code [1 x H]}; {@code Wy [H x V]}; {@code by [1 x V]}. The equations are the standard LSTM:
 * {@code f = σ([h, x]·Wf + bf)}, likewise {@code i} and {@code o}; {@code c̃ = tanh([h, x]·Wc + bc)};
 * {@code c = f∘c_prev + i∘c̃}; {@code h = o∘tanh(c)}; {@code y = h·Wy + by}; loss = mean cross-entropy of
 * {@code softmax(y)} over all {@code B·T} positions.
 */
public final class SeedLayout {

    /** The gate matrices in the seed's names, and the packed gate block each maps to (i, f, g, o). */
    private static final List<String> GATES = List.of("Wi", "Wf", "Wc", "Wo");
    private static final List<String> BIASES = List.of("bi", "bf", "bc", "bo");

    /**
     * The loss, final state and gradients of one pass.
     *
     * @param loss      mean cross-entropy in nats over {@code B·T} positions
     * @param h         final hidden state {@code [B x H]}
     * @param c         final cell state {@code [B x H]}
     * @param gradients {@code Wf ... by} in the seed layout, plus {@code h0} and {@code c0} {@code [B x H]}
     */
    public record Result(float loss, float[][] h, float[][] c, Map<String, float[][]> gradients) {
    }

    private SeedLayout() {
    }

    /**
     * The parameters of {@code model} in the seed layout (copies).
     *
     * @throws IllegalArgumentException if the model is not a one-layer character model
     */
    public static Map<String, float[][]> export(RecurrentModel model) {
        requireSeedShape(model.shape());
        return toSeed(model.shape(), model.layout(), model.parameters());
    }

    /**
     * A model from parameters in the seed layout; H and V are read from {@code bf} and {@code by}.
     *
     * @throws IllegalArgumentException naming any missing matrix or wrong shape
     */
    public static RecurrentModel importModel(Map<String, float[][]> seed) {
        int hidden = matrix(seed, "bf").length == 1 ? seed.get("bf")[0].length : -1;
        int vocabulary = matrix(seed, "by").length == 1 ? seed.get("by")[0].length : -1;
        if (hidden < 1 || vocabulary < 1) {
            throw new IllegalArgumentException("bf must be [1 x H] and by [1 x V] with H, V >= 1");
        }
        ModelShape shape = ModelShape.characterModel(vocabulary, hidden, 1);
        ParameterLayout layout = new ParameterLayout(shape);
        float[] p = new float[layout.size()];
        int g = 4 * hidden;
        for (int q = 0; q < 4; q++) {
            float[][] w = requireShape(seed, GATES.get(q), hidden + vocabulary, hidden);
            float[][] b = requireShape(seed, BIASES.get(q), 1, hidden);
            for (int r = 0; r < hidden + vocabulary; r++) {
                int row = packedRow(r, hidden, vocabulary);
                System.arraycopy(w[r], 0, p, layout.gateWeights(0) + row * g + q * hidden, hidden);
            }
            System.arraycopy(b[0], 0, p, layout.gateBias(0) + q * hidden, hidden);
        }
        float[][] wy = requireShape(seed, "Wy", hidden, vocabulary);
        for (int r = 0; r < hidden; r++) {
            System.arraycopy(wy[r], 0, p, layout.outputWeights() + r * vocabulary, vocabulary);
        }
        System.arraycopy(requireShape(seed, "by", 1, vocabulary)[0], 0, p, layout.outputBias(), vocabulary);
        return new RecurrentModel(shape, p);
    }

    /**
     * Loss, final state and gradients for inputs and targets {@code [B x T]} from {@code h0, c0 [B x H]}, with no
     * optimizer step.
     */
    public static Result lossAndGradients(RecurrentModel model, RecurrentKernels kernels, int[][] inputs, int[][] targets,
                                          float[][] h0, float[][] c0) {
        ModelShape shape = model.shape();
        requireSeedShape(shape);
        int streams = inputs.length;
        if (streams < 1 || inputs[0].length < 1) {
            throw new IllegalArgumentException("inputs must be [B x T] with B, T >= 1");
        }
        int steps = inputs[0].length;
        int hidden = shape.hiddenSize();
        int[] timeMajorInputs = timeMajor("inputs", inputs, streams, steps);
        int[] timeMajorTargets = timeMajor("targets", targets, streams, steps);
        RecurrentState initial = RecurrentState.zeros(shape, streams);
        copyRows("h0", h0, streams, hidden, initial.h(0));
        copyRows("c0", c0, streams, hidden, initial.c(0));
        RecurrentState last = RecurrentState.zeros(shape, streams);
        RecurrentState initialGradients = RecurrentState.zeros(shape, streams);
        float[] gradients = new float[model.layout().size()];
        float loss = new SequencePass(model, kernels, steps, streams)
                .lossAndGradients(timeMajorInputs, timeMajorTargets, initial, last, gradients, initialGradients);
        Map<String, float[][]> named = toSeed(shape, model.layout(), gradients);
        named.put("h0", rows(initialGradients.h(0), streams, hidden));
        named.put("c0", rows(initialGradients.c(0), streams, hidden));
        return new Result(loss, rows(last.h(0), streams, hidden), rows(last.c(0), streams, hidden), named);
    }

    private static Map<String, float[][]> toSeed(ModelShape shape, ParameterLayout layout, float[] values) {
        int hidden = shape.hiddenSize();
        int vocabulary = shape.outputSize();
        int g = 4 * hidden;
        Map<String, float[][]> seed = new LinkedHashMap<>();
        for (int q : new int[] {1, 0, 2, 3}) { // the seed's order: f, i, c, o
            float[][] w = new float[hidden + vocabulary][hidden];
            for (int r = 0; r < hidden + vocabulary; r++) {
                int row = packedRow(r, hidden, vocabulary);
                System.arraycopy(values, layout.gateWeights(0) + row * g + q * hidden, w[r], 0, hidden);
            }
            seed.put(GATES.get(q), w);
        }
        for (int q : new int[] {1, 0, 2, 3}) {
            float[][] b = new float[1][hidden];
            System.arraycopy(values, layout.gateBias(0) + q * hidden, b[0], 0, hidden);
            seed.put(BIASES.get(q), b);
        }
        seed.put("Wy", rows(values, layout.outputWeights(), hidden, vocabulary));
        seed.put("by", rows(values, layout.outputBias(), 1, vocabulary));
        return seed;
    }

    /** Seed row r (h rows first, then x rows) → packed row (x rows first, then h rows). */
    private static int packedRow(int seedRow, int hidden, int vocabulary) {
        return seedRow < hidden ? vocabulary + seedRow : seedRow - hidden;
    }

    private static void requireSeedShape(ModelShape shape) {
        if (shape.cell() != Cell.LSTM) {
            throw new IllegalArgumentException("the seed layout holds an LSTM's four gates; this model is a "
                    + shape.cell().id());
        }
        if (shape.layers() != 1 || !shape.oneHotInput() || shape.inputSize() != shape.outputSize()) {
            throw new IllegalArgumentException("the seed layout holds a one-layer character model; this model is "
                    + shape);
        }
    }

    private static float[][] matrix(Map<String, float[][]> seed, String name) {
        float[][] m = seed.get(name);
        if (m == null) {
            throw new IllegalArgumentException("the seed layout is missing " + name);
        }
        return m;
    }

    private static float[][] requireShape(Map<String, float[][]> seed, String name, int rows, int cols) {
        float[][] m = matrix(seed, name);
        if (m.length != rows) {
            throw new IllegalArgumentException(name + " must be [" + rows + " x " + cols + "] but has " + m.length + " rows");
        }
        for (int r = 0; r < rows; r++) {
            if (m[r] == null || m[r].length != cols) {
                throw new IllegalArgumentException(name + " must be [" + rows + " x " + cols + "] but row " + r + " has "
                        + (m[r] == null ? "no" : m[r].length) + " columns");
            }
        }
        return m;
    }

    private static int[] timeMajor(String name, int[][] batch, int streams, int steps) {
        if (batch.length != streams) {
            throw new IllegalArgumentException(name + " must have " + streams + " rows (B) but has " + batch.length);
        }
        int[] out = new int[streams * steps];
        for (int b = 0; b < streams; b++) {
            if (batch[b].length != steps) {
                throw new IllegalArgumentException(name + " must be [B x T] = [" + streams + " x " + steps + "] but row "
                        + b + " has " + batch[b].length);
            }
            for (int t = 0; t < steps; t++) {
                out[t * streams + b] = batch[b][t];
            }
        }
        return out;
    }

    private static void copyRows(String name, float[][] source, int streams, int hidden, float[] target) {
        if (source.length != streams) {
            throw new IllegalArgumentException(name + " must be [" + streams + " x " + hidden + "] but has "
                    + source.length + " rows");
        }
        for (int b = 0; b < streams; b++) {
            if (source[b].length != hidden) {
                throw new IllegalArgumentException(name + " must be [" + streams + " x " + hidden + "] but row " + b
                        + " has " + source[b].length);
            }
            System.arraycopy(source[b], 0, target, b * hidden, hidden);
        }
    }

    private static float[][] rows(float[] flat, int streams, int hidden) {
        return rows(flat, 0, streams, hidden);
    }

    private static float[][] rows(float[] flat, int offset, int rows, int cols) {
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, offset + r * cols, out[r], 0, cols);
        }
        return out;
    }
}
