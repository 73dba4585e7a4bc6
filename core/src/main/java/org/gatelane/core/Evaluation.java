package org.gatelane.core;

import org.gatelane.kernels.LstmKernels;

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
    public static Evaluation of(LstmModel model, LstmKernels kernels, Corpus corpus, int from, int to, int steps) {
        if (to - from < 2) {
            throw new CorpusException("evaluation needs at least 2 characters but the text has " + (to - from));
        }
        LstmState state = LstmState.zeros(model.shape(), 1);
        Bptt full = new Bptt(model, kernels, steps, 1);
        int[] inputs = new int[steps];
        int[] targets = new int[steps];
        double total = 0;
        int at = from;
        while (at + 1 < to) {
            int n = Math.min(steps, to - 1 - at);
            Bptt pass = n == steps ? full : new Bptt(model, kernels, n, 1);
            int[] in = n == steps ? inputs : new int[n];
            int[] out = n == steps ? targets : new int[n];
            for (int t = 0; t < n; t++) {
                in[t] = corpus.symbol(at + t);
                out[t] = corpus.symbol(at + t + 1);
            }
            total += (double) pass.loss(in, out, state, state) * n;
            at += n;
        }
        long scored = to - 1L - from;
        return new Evaluation(total / scored, scored);
    }
}
