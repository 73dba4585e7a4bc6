package org.gatelane.kernels;

/**
 * Softmax and cross-entropy at the output layer.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface LossKernels {

    /**
     * Softmax with cross-entropy for one position, stable for any finite logits (log-sum-exp).
     *
     * <p>Writes {@code dLogits = gradScale · (softmax(logits) - onehot(target))} and returns
     * {@code -log softmax(logits)[target]} in nats. {@code dLogits} may be {@code logits} (in place).
     */
    float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                              float[] dLogits, int dLogitsOff);

    /**
     * {@code p = softmax(logits / temperature)}, stable for any finite logits and any finite temperature > 0 (a
     * sampler's temperature, in the same pass as the exponentials); in place allowed.
     */
    void softmax(int n, float[] logits, int logitsOff, float temperature, float[] p, int pOff);
}
