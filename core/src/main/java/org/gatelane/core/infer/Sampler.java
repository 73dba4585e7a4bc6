package org.gatelane.core.infer;

import org.gatelane.core.model.ModelShape;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.Rng;
import org.gatelane.core.model.SequencePass;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Stateful inference: feed one symbol (one-hot models) or one vector (dense models), get the logits of the
 * next output, with the recurrent state of every layer kept between calls; then draw from them. Works for
 * any number of layers; allocates nothing per step after construction.
 *
 * <p>Not thread-safe: a sampler holds its state and buffers. Give each thread its own sampler; many samplers may
 * share one {@link RecurrentModel} (see there).
 */
public final class Sampler {

    private final RecurrentModel model;
    private final RecurrentKernels kernels;
    private final RecurrentState state;
    /** One step of one stream: the training pass's code, so sampling runs every cell the way training does. */
    private final SequencePass step;
    private final int[] symbol = new int[1];
    private final float[] probabilities;
    private final int[] order;

    public Sampler(RecurrentModel model, RecurrentKernels kernels) {
        this.model = model;
        this.kernels = kernels;
        ModelShape shape = model.shape();
        this.state = RecurrentState.zeros(shape, 1);
        this.step = new SequencePass(model, kernels, 1, 1);
        this.probabilities = new float[shape.outputSize()];
        this.order = new int[shape.outputSize()];
    }

    /** Forgets everything fed so far: the state returns to zero. */
    public void reset() {
        state.reset();
    }

    /** The recurrent state, live. */
    public RecurrentState state() {
        return state;
    }

    /**
     * Advances the state by {@code symbol} and returns the logits of the next output; the array is reused by
     * the next call.
     *
     * @throws IllegalArgumentException if the model takes vectors, or the symbol is out of range
     */
    public float[] feed(int symbol) {
        ModelShape shape = model.shape();
        if (!shape.oneHotInput()) {
            throw new IllegalArgumentException("this model takes input vectors of " + shape.inputSize()
                    + " values, not symbols");
        }
        if (symbol < 0 || symbol >= shape.inputSize()) {
            throw new IllegalArgumentException("symbol " + symbol + " is outside [0, " + shape.inputSize() + ")");
        }
        this.symbol[0] = symbol;
        return step.logits(this.symbol, null, state);
    }

    /**
     * Advances the state by the input vector {@code x [inputSize]} of a dense model and returns the logits of
     * the next output; the array is reused by the next call.
     */
    public float[] feed(float[] x) {
        ModelShape shape = model.shape();
        if (shape.oneHotInput() || x.length != shape.inputSize()) {
            throw new IllegalArgumentException(shape.oneHotInput() ? "this model takes symbols, not vectors"
                    : "the input vector must hold " + shape.inputSize() + " values but holds " + x.length);
        }
        return step.logits(null, x, state);
    }

    /**
     * Draws the next symbol from {@code logits} (as returned by {@link #feed}).
     *
     * @param temperature divides the logits; 0 means greedy (the most likely symbol)
     * @param topK        keep only the {@code topK} most likely symbols; 0 keeps all
     * @param topP        keep the smallest set of most likely symbols whose probability reaches {@code topP};
     *                    1 keeps all
     */
    public int draw(float[] logits, float temperature, int topK, float topP, Rng rng) {
        int v = logits.length;
        if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("need temperature >= 0, topK >= 0 and topP in (0, 1] but got "
                    + temperature + ", " + topK + ", " + topP);
        }
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < v; i++) {
                best = logits[i] > logits[best] ? i : best;
            }
            return best;
        }
        for (int i = 0; i < v; i++) {
            probabilities[i] = logits[i] / temperature;
        }
        kernels.softmax(v, probabilities, 0, probabilities, 0);
        int kept = v;
        if (topK > 0 || topP < 1) {
            sortByProbability();
            kept = topK > 0 ? Math.min(topK, v) : v;
            double mass = 0;
            for (int i = 0; i < kept; i++) {
                mass += probabilities[order[i]];
                if (mass >= topP) {
                    kept = i + 1;
                    break;
                }
            }
        } else {
            for (int i = 0; i < v; i++) {
                order[i] = i;
            }
        }
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probabilities[order[i]];
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < kept; i++) {
            u -= probabilities[order[i]];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    /** Insertion sort of symbol indices by descending probability: vocabularies are small and this allocates nothing. */
    private void sortByProbability() {
        int v = probabilities.length;
        for (int i = 0; i < v; i++) {
            int symbol = i;
            int j = i - 1;
            while (j >= 0 && probabilities[order[j]] < probabilities[symbol]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = symbol;
        }
    }
}
