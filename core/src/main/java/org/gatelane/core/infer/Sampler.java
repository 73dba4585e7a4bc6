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
    private final RecurrentState state;
    /** One step of one stream: the training pass's code, so sampling runs every cell the way training does. */
    private final SequencePass step;
    private final int[] symbol = new int[1];
    private final SymbolDraw draw;

    public Sampler(RecurrentModel model, RecurrentKernels kernels) {
        this.model = model;
        ModelShape shape = model.shape();
        this.state = RecurrentState.zeros(shape, 1);
        this.step = new SequencePass(model, kernels, 1, 1);
        this.draw = new SymbolDraw(shape.outputSize(), kernels);
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
     * @throws IllegalArgumentException if the settings are out of range, or {@code logits} does not hold one value
     *                                  per output
     */
    public int draw(float[] logits, float temperature, int topK, float topP, Rng rng) {
        if (logits.length != model.shape().outputSize()) {
            throw new IllegalArgumentException("logits must hold " + model.shape().outputSize() + " values but hold "
                    + logits.length);
        }
        return draw.draw(logits, 0, temperature, topK, topP, rng);
    }
}
