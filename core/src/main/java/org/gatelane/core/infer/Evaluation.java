package org.gatelane.core.infer;

import org.gatelane.core.model.FixedWeights;
import org.gatelane.core.model.RecurrentModel;
import org.gatelane.core.model.RecurrentState;
import org.gatelane.core.model.SequencePass;
import org.gatelane.core.text.Corpus;
import org.gatelane.core.text.CorpusException;
import org.gatelane.kernels.RecurrentKernels;

/**
 * The mean cross-entropy of a character model over a range of a corpus, read in one stream with carried state.
 *
 * @param nats    mean cross-entropy per symbol in nats
 * @param symbols how many predictions were scored
 */
public record Evaluation(double nats, long symbols) {

    /** Bits per symbol (bits per character for a character model). */
    public double bitsPerSymbol() {
        return nats / Math.log(2);
    }

    public double perplexity() {
        return Math.exp(nats);
    }

    /**
     * Scores every prediction in {@code [from, to)}: each symbol predicts the next, from a zero state, in chunks
     * of {@code steps}; a last partial chunk is scored with a shorter pass.
     *
     * @throws CorpusException if the range holds fewer than two symbols
     */
    public static Evaluation of(RecurrentModel model, RecurrentKernels kernels, Corpus corpus, int from, int to, int steps) {
        return of(model, kernels, corpus, from, to, steps, 1);
    }

    /**
     * As {@link #of(RecurrentModel, RecurrentKernels, Corpus, int, int, int)}, reading the range as {@code streams}
     * contiguous pieces side by side, each from a zero state (and the few predictions left over as one more
     * piece). Batched passes run on the GEMM instead of the GEMV, many times faster; each extra piece starts
     * from a zero state once, so the score differs from one stream's by those starts only.
     */
    public static Evaluation of(RecurrentModel model, RecurrentKernels kernels, Corpus corpus, int from, int to, int steps,
                                int streams) {
        if (to - from < 2) {
            throw new CorpusException("evaluation needs at least 2 characters but the text has " + (to - from));
        }
        if (steps < 1 || streams < 1) {
            throw new IllegalArgumentException("steps and streams must be at least 1 but were " + steps + " and "
                    + streams);
        }
        long predictions = to - 1L - from;
        int pieceLength = (int) (predictions / streams);
        FixedWeights weights = new FixedWeights(model, kernels);
        double total = 0;
        if (pieceLength > 0) {
            total += scorePieces(weights, corpus, from, pieceLength, steps, streams);
        }
        int scored = pieceLength * streams;
        if (scored < predictions) {
            total += scorePieces(weights, corpus, from + scored, (int) (predictions - scored), steps, 1);
        }
        return new Evaluation(total / predictions, predictions);
    }

    /**
     * The summed cross-entropy of {@code streams} pieces of {@code length} predictions from {@code from} on, in
     * passes over the weights prepared once: the recurrent weights packed for the whole range, not for every pass.
     */
    private static double scorePieces(FixedWeights weights, Corpus corpus, int from, int length, int steps,
                                      int streams) {
        RecurrentState state = RecurrentState.zeros(weights.model().shape(), streams);
        SequencePass full = SequencePass.forFixedWeights(weights, steps, streams);
        int[] inputs = new int[steps * streams];
        int[] targets = new int[inputs.length];
        double total = 0;
        for (int at = 0; at < length; at += steps) {
            int n = Math.min(steps, length - at);
            SequencePass pass = n == steps ? full : SequencePass.forFixedWeights(weights, n, streams);
            int[] in = n == steps ? inputs : new int[n * streams];
            int[] out = n == steps ? targets : new int[n * streams];
            for (int b = 0; b < streams; b++) {
                int start = from + b * length + at;
                for (int t = 0; t < n; t++) {
                    in[t * streams + b] = corpus.symbol(start + t);
                    out[t * streams + b] = corpus.symbol(start + t + 1);
                }
            }
            total += (double) pass.loss(in, out, state, state) * n * streams;
        }
        return total;
    }
}
