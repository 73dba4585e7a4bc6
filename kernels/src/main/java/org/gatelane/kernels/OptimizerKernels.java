package org.gatelane.kernels;

/**
 * Optimizer updates, each one fused pass over a slice of parameters, gradients and state, and the reductions
 * and scalings of gradient clipping.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface OptimizerKernels {

    /**
     * SGD with momentum, PyTorch's form: {@code v = momentum·v + g; p -= lr·v}. With {@code momentum = 0}
     * this is plain SGD and {@code velocity} only receives a copy of the gradient.
     */
    void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
             float learningRate, float momentum);

    /** RMSProp, PyTorch's form: {@code s = α·s + (1-α)·g²; p -= lr·g / (√s + ε)}. */
    void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                 float learningRate, float decay, float epsilon);

    /**
     * Adam with bias correction, and AdamW when {@code weightDecay > 0}:
     * {@code p -= lr·λ·p} (decoupled decay), then {@code m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
     * p -= lr · (m / (1-β1^t)) / (√(v / (1-β2^t)) + ε)}.
     *
     * @param step the 1-based step number {@code t}
     */
    void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
              float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
              float weightDecay, long step);

    // ---- Clipping --------------------------------------------------------------------------------------

    /** Returns {@code Σ x²} over {@code n} elements (for a global gradient norm); NaN if any element is NaN. */
    float sumOfSquares(int n, float[] x, int xOff);

    /** {@code x *= alpha} in place. */
    void scale(int n, float alpha, float[] x, int xOff);

    /** {@code x = min(max(x, min), max)} in place; NaN stays NaN. */
    void clamp(int n, float min, float max, float[] x, int xOff);
}
