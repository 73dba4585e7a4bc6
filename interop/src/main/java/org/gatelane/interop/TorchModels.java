package org.gatelane.interop;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.gatelane.core.model.Cell;
import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.ParameterLayout;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.text.Vocabulary;
import org.gatelane.interop.Safetensors.Tensor;

/**
 * Character models as PyTorch state dicts: a recurrent module (field {@code rnn}, an {@code nn.LSTM},
 * {@code nn.GRU} or {@code nn.RNN} of any number of layers), an output {@code nn.Linear} (field {@code head}), and optionally an
 * {@code nn.Embedding} before the recurrence (field {@code embed}), which import folds into the first layer's
 * input weights. The input of the first layer is otherwise a one-hot vector over the vocabulary, as
 * {@code nn.LSTM(V, H)} reads it.
 *
 * <p>PyTorch keeps {@code weight_ih_lK [G x in]}, {@code weight_hh_lK [G x H]} and two biases of G per layer,
 * with {@code G = 4H} (gates i, f, g, o) for the LSTM, {@code 3H} (r, z, n) for the GRU and {@code H} for the
 * RNN, which is how import tells them apart. Gatelane packs {@code W [(in + H) x G]} with the same gate order and one bias of 4H (see
 * {@code Cell}): the sum of the two where the equations only ever add them, the GRU's {@code b_in} and
 * {@code b_hn} apart. Export writes the sums as {@code bias_ih} with zeros in {@code bias_hh}.
 */
public final class TorchModels {

    /** The {@code __metadata__} key that holds the vocabulary: the i-th code point is symbol i. */
    public static final String VOCABULARY_KEY = "gatelane.vocabulary";

    /**
     * Where the modules live in the state dict.
     *
     * @param rnn       prefix of the recurrent module's tensors, such as {@code rnn.}
     * @param head      prefix of the output layer's, such as {@code head.}
     * @param embedding prefix of an optional embedding's, such as {@code embed.}
     */
    public record Names(String rnn, String head, String embedding) {

        public static final Names DEFAULT = new Names("rnn.", "head.", "embed.");
    }

    /** An imported model and its vocabulary. */
    public record Imported(RecurrentModel model, Vocabulary vocabulary) {
    }

    private TorchModels() {
    }

    /**
     * The model in {@code file}'s tensors. The layer count comes from the tensors; the vocabulary from
     * {@code vocabulary} if given, otherwise from the file's metadata.
     *
     * @throws SafetensorsException naming the tensor that is missing, extra or of the wrong shape, or the
     *                              vocabulary that does not match the head
     */
    public static Imported importModel(Safetensors file, Names names, Vocabulary vocabulary) {
        Map<String, Tensor> tensors = file.tensors();
        Set<String> unused = new TreeSet<>(tensors.keySet());
        Tensor headWeight = matrix(tensors, unused, names.head() + "weight", ANY, ANY);
        int symbols = headWeight.shape()[0];
        int hidden = headWeight.shape()[1];
        Tensor headBias = vector(tensors, unused, names.head() + "bias", symbols);
        Tensor embedding = tensors.containsKey(names.embedding() + "weight")
                ? matrix(tensors, unused, names.embedding() + "weight", symbols, ANY) : null;
        int firstInput = embedding != null ? embedding.shape()[1] : symbols;
        int layers = 0;
        while (tensors.containsKey(names.rnn() + "weight_ih_l" + layers)) {
            layers++;
        }
        if (layers == 0) {
            throw new SafetensorsException("no tensor " + names.rnn() + "weight_ih_l0: not a recurrent model under "
                    + "the prefix '" + names.rnn() + "' (see --rnn-prefix)");
        }
        Vocabulary symbolsOf = vocabulary != null ? vocabulary : vocabularyFromMetadata(file);
        if (symbolsOf.size() != symbols) {
            throw new SafetensorsException("the vocabulary has " + symbolsOf.size() + " symbols but "
                    + names.head() + "weight has " + symbols + " rows");
        }
        String firstRecurrent = names.rnn() + "weight_hh_l0";
        Cell cell = cellOf(present(tensors, unused, firstRecurrent), firstRecurrent, hidden);
        ModelShape shape = ModelShape.characterModel(symbols, hidden, layers).withCell(cell);
        float[] parameters = new float[shape.parameterCount()];
        ParameterLayout layout = new ParameterLayout(shape);
        int gates = shape.gateWidth();
        int merged = cell.mergedBiasBlocks() * hidden;
        for (int l = 0; l < layers; l++) {
            int in = l == 0 ? firstInput : hidden;
            Tensor inputWeights = matrix(tensors, unused, names.rnn() + "weight_ih_l" + l, gates, in);
            Tensor recurrentWeights = matrix(tensors, unused, names.rnn() + "weight_hh_l" + l, gates, hidden);
            Tensor inputBias = vector(tensors, unused, names.rnn() + "bias_ih_l" + l, gates);
            Tensor recurrentBias = vector(tensors, unused, names.rnn() + "bias_hh_l" + l, gates);
            if (l == 0 && embedding != null) {
                // One-hot symbol v selects row v of E; its gate input is E[v]·W_ihᵀ, so those products are the rows.
                foldEmbedding(embedding.values(), symbols, in, inputWeights.values(), gates, parameters,
                        layout.gateWeights(0));
            } else {
                transposeInto(inputWeights.values(), 0, gates, in, parameters, layout.gateWeights(l));
            }
            transposeInto(recurrentWeights.values(), 0, gates, hidden, parameters, layout.recurrentWeights(l));
            int bias = layout.gateBias(l);
            for (int g = 0; g < gates; g++) {
                parameters[bias + g] = inputBias.values()[g] + (g < merged ? recurrentBias.values()[g] : 0f);
            }
            // The GRU's b_hn, which the reset gate multiplies, after the gates' biases.
            System.arraycopy(recurrentBias.values(), merged, parameters, bias + gates, gates - merged);
        }
        transposeInto(headWeight.values(), 0, symbols, hidden, parameters, layout.outputWeights());
        System.arraycopy(headBias.values(), 0, parameters, layout.outputBias(), symbols);
        if (!unused.isEmpty()) {
            throw new SafetensorsException("tensors that belong to no part of " + (cell == Cell.GRU ? "a " : "an ")
                    + cell.name() + " character model: "
                    + String.join(", ", unused));
        }
        return new Imported(new RecurrentModel(shape, parameters), symbolsOf);
    }

    /**
     * A character model as a PyTorch state dict (F32), with the vocabulary in the metadata under
     * {@link #VOCABULARY_KEY}.
     *
     * @throws IllegalArgumentException if the model takes dense input vectors (no vocabulary to write)
     */
    public static Safetensors export(RecurrentModel model, Vocabulary vocabulary, Names names) {
        ModelShape shape = model.shape();
        if (!shape.oneHotInput()) {
            throw new IllegalArgumentException("only character models (one-hot input) are exported");
        }
        ParameterLayout layout = model.layout();
        float[] p = model.parameters();
        int hidden = shape.hiddenSize();
        int gates = shape.gateWidth();
        int merged = shape.cell().mergedBiasBlocks() * hidden;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < shape.layers(); l++) {
            int in = shape.layerInputSize(l);
            tensors.put(names.rnn() + "weight_ih_l" + l, new Tensor(new int[] {gates, in},
                    transposed(p, layout.gateWeights(l), in, gates)));
            tensors.put(names.rnn() + "weight_hh_l" + l, new Tensor(new int[] {gates, hidden},
                    transposed(p, layout.recurrentWeights(l), hidden, gates)));
            float[] inputBias = new float[gates];
            float[] recurrentBias = new float[gates];
            System.arraycopy(p, layout.gateBias(l), inputBias, 0, gates);
            System.arraycopy(p, layout.gateBias(l) + gates, recurrentBias, merged, gates - merged);
            tensors.put(names.rnn() + "bias_ih_l" + l, new Tensor(new int[] {gates}, inputBias));
            tensors.put(names.rnn() + "bias_hh_l" + l, new Tensor(new int[] {gates}, recurrentBias));
        }
        int symbols = shape.outputSize();
        tensors.put(names.head() + "weight", new Tensor(new int[] {symbols, hidden},
                transposed(p, layout.outputWeights(), hidden, symbols)));
        float[] headBias = new float[symbols];
        System.arraycopy(p, layout.outputBias(), headBias, 0, symbols);
        tensors.put(names.head() + "bias", new Tensor(new int[] {symbols}, headBias));
        StringBuilder text = new StringBuilder();
        for (int cp : vocabulary.codePoints()) {
            text.appendCodePoint(cp);
        }
        return new Safetensors(tensors, Map.of(VOCABULARY_KEY, text.toString()));
    }

    /** The vocabulary of a text whose i-th code point is symbol i, such as a {@code CHARS.txt} file's. */
    public static Vocabulary vocabularyOf(String symbols, String source) {
        int[] codePoints = symbols.codePoints().toArray();
        List<Integer> sorted = new ArrayList<>();
        for (int cp : codePoints) {
            sorted.add(cp);
        }
        sorted.sort(Integer::compare);
        for (int i = 0; i < codePoints.length; i++) {
            if (codePoints[i] != sorted.get(i) || (i > 0 && codePoints[i] == codePoints[i - 1])) {
                throw new SafetensorsException(source + " must list distinct characters in code-point order (as "
                        + "Gatelane and sorted(set(text)) number them); symbol " + i + " is U+"
                        + String.format("%04X", codePoints[i]));
            }
        }
        if (codePoints.length == 0) {
            throw new SafetensorsException(source + " holds no characters");
        }
        return new Vocabulary(codePoints);
    }

    private static Vocabulary vocabularyFromMetadata(Safetensors file) {
        String symbols = file.metadata().get(VOCABULARY_KEY);
        if (symbols == null) {
            throw new SafetensorsException("the file has no vocabulary in its metadata (" + VOCABULARY_KEY
                    + "); give one with --vocab CHARS.txt");
        }
        return vocabularyOf(symbols, "the metadata's " + VOCABULARY_KEY);
    }

    /**
     * The cell whose gate count the rows of the first recurrent weights show: 4H for nn.LSTM, 3H for nn.GRU, H for
     * nn.RNN.
     */
    private static Cell cellOf(Tensor recurrent, String name, int hidden) {
        int rows = recurrent.shape().length == 2 ? recurrent.shape()[0] : -1;
        for (Cell cell : Cell.values()) {
            if (rows == (long) cell.gateBlocks() * hidden) {
                return cell;
            }
        }
        throw new SafetensorsException("tensor " + name + " has shape " + Arrays.toString(recurrent.shape())
                + " but needs [4H, H] (nn.LSTM), [3H, H] (nn.GRU) or [H, H] (nn.RNN) with H = " + hidden
                + " from the head");
    }

    /** A dimension that may take any positive size. */
    private static final int ANY = -1;

    /** The matrix {@code name}, which must exist with {@code rows x cols} ({@link #ANY} for either). */
    private static Tensor matrix(Map<String, Tensor> tensors, Set<String> unused, String name, int rows, int cols) {
        Tensor tensor = present(tensors, unused, name);
        int[] shape = tensor.shape();
        if (shape.length != 2 || shape[0] < 1 || shape[1] < 1 || (rows != ANY && shape[0] != rows)
                || (cols != ANY && shape[1] != cols)) {
            throw new SafetensorsException("tensor " + name + " has shape " + Arrays.toString(shape) + " but needs ["
                    + (rows == ANY ? "rows" : rows) + ", " + (cols == ANY ? "columns" : cols) + "]");
        }
        return tensor;
    }

    /** The vector {@code name}, which must exist with {@code length} values. */
    private static Tensor vector(Map<String, Tensor> tensors, Set<String> unused, String name, int length) {
        Tensor tensor = present(tensors, unused, name);
        if (tensor.shape().length != 1 || tensor.shape()[0] != length) {
            throw new SafetensorsException("tensor " + name + " has shape " + Arrays.toString(tensor.shape())
                    + " but needs [" + length + "]");
        }
        return tensor;
    }

    private static Tensor present(Map<String, Tensor> tensors, Set<String> unused, String name) {
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new SafetensorsException("tensor " + name + " is missing");
        }
        unused.remove(name);
        float[] values = tensor.values();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new SafetensorsException("tensor " + name + " holds " + values[i] + " at "
                        + Arrays.toString(position(tensor.shape(), i)) + "; a model must be finite");
            }
        }
        return tensor;
    }

    /** The row-major position of element {@code index} in a tensor of {@code shape}. */
    private static int[] position(int[] shape, int index) {
        int[] position = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            position[d] = index % shape[d];
            index /= shape[d];
        }
        return position;
    }

    /**
     * Writes the {@code rows x cols} matrix at {@code source[from]} transposed into {@code target[at]}: PyTorch
     * keeps {@code [out x in]}, Gatelane {@code [in x out]}, so import and export both transpose.
     */
    private static void transposeInto(float[] source, int from, int rows, int cols, float[] target, int at) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                target[at + c * rows + r] = source[from + r * cols + c];
            }
        }
    }

    private static float[] transposed(float[] source, int from, int rows, int cols) {
        float[] out = new float[rows * cols];
        transposeInto(source, from, rows, cols, out, 0);
        return out;
    }

    /** {@code target row v, gate g = Σ_e embedding[v][e] · inputWeights[g][e]}, in double for one rounding. */
    private static void foldEmbedding(float[] embedding, int symbols, int width, float[] inputWeights, int gates,
                                      float[] target, int at) {
        for (int v = 0; v < symbols; v++) {
            for (int g = 0; g < gates; g++) {
                double sum = 0;
                for (int e = 0; e < width; e++) {
                    sum += (double) embedding[v * width + e] * inputWeights[g * width + e];
                }
                target[at + v * gates + g] = (float) sum;
            }
        }
    }
}
