package org.gatelane.core.infer;

import org.gatelane.core.model.Rng;
import org.gatelane.kernels.RecurrentKernels;

/**
 * Drawing one symbol from logits with temperature, top-k and top-p, in buffers kept between draws: the one way a
 * {@link Sampler} and a {@link BatchedGenerator} draw, so that a stream draws the same symbols in either.
 */
final class SymbolDraw {

    private final RecurrentKernels kernels;
    private final float[] probabilities;
    private final int[] order;

    SymbolDraw(int symbols, RecurrentKernels kernels) {
        this.kernels = kernels;
        this.probabilities = new float[symbols];
        this.order = new int[symbols];
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
        for (int i = 0; i < v; i++) {
            probabilities[i] = logits[from + i] / temperature;
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
