package org.gatelane.core.infer;

import java.util.Arrays;

import org.gatelane.core.model.Rng;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Drawing one symbol from logits with temperature, top-k and top-p, in buffers kept between draws: the one way a
 * {@link Sampler} and a {@link BatchedGenerator} draw, so that a stream draws the same symbols in either.
 */
final class SymbolDraw {

    private final RecurrentKernels kernels;
    private final float[] probabilities;
    /** The symbols in their own order: what a draw from every symbol scans. */
    private final int[] symbols;
    /** The symbols by descending probability, for a draw from the most likely few (top-k, top-p). */
    private final int[] ranked;

    SymbolDraw(int symbols, RecurrentKernels kernels) {
        this.kernels = kernels;
        this.probabilities = new float[symbols];
        this.symbols = new int[symbols];
        Arrays.setAll(this.symbols, i -> i);
        this.ranked = new int[symbols];
    }

    /**
     * Draws the next symbol from the {@code v} logits at {@code logits[from]}.
     *
     * @param temperature divides the logits; 0 means greedy (the most likely symbol)
     * @param topK        keep only the {@code topK} most likely symbols; 0 keeps all
     * @param topP        keep the smallest set of most likely symbols whose probability reaches {@code topP};
     *                    1 keeps all
     */
    int draw(float[] logits, int from, float temperature, int topK, float topP, Rng rng) {
        int v = probabilities.length;
        if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("need temperature >= 0, topK >= 0 and topP in (0, 1] but got "
                    + temperature + ", " + topK + ", " + topP);
        }
        if (temperature == 0) {
            int best = 0;
            for (int i = 1; i < v; i++) {
                best = logits[from + i] > logits[from + best] ? i : best;
            }
            return best;
        }
        kernels.softmax(v, logits, from, temperature, probabilities, 0);
        if (topK == 0 && topP == 1) {
            // The probabilities sum to 1 but for rounding, which the scan's fallback absorbs.
            return drawFrom(symbols, v, 1, rng);
        }
        sortByProbability();
        int kept = topK > 0 ? Math.min(topK, v) : v;
        double mass = 0;
        for (int i = 0; i < kept; i++) {
            mass += probabilities[ranked[i]];
            if (mass >= topP) {
                kept = i + 1;
                break;
            }
        }
        double total = 0;
        for (int i = 0; i < kept; i++) {
            total += probabilities[ranked[i]];
        }
        return drawFrom(ranked, kept, total, rng);
    }

    /**
     * The symbol where a uniform draw in {@code [0, total)} falls among the probabilities of the first {@code kept}
     * of {@code candidates}, in their order; past them (rounding), the last of them with a probability above 0.
     */
    private int drawFrom(int[] candidates, int kept, double total, Rng rng) {
        double u = rng.nextDouble() * total;
        int last = candidates[0];
        for (int i = 0; i < kept; i++) {
            float p = probabilities[candidates[i]];
            u -= p;
            if (u < 0) {
                return candidates[i];
            }
            last = p > 0 ? candidates[i] : last;
        }
        return last;
    }

    /** Insertion sort of symbol indices by descending probability: vocabularies are small and this allocates nothing. */
    private void sortByProbability() {
        int v = probabilities.length;
        for (int i = 0; i < v; i++) {
            int symbol = i;
            int j = i - 1;
            while (j >= 0 && probabilities[ranked[j]] < probabilities[symbol]) {
                ranked[j + 1] = ranked[j];
                j--;
            }
            ranked[j + 1] = symbol;
        }
    }
}
