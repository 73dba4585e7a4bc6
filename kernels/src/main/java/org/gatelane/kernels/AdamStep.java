package org.gatelane.kernels;

/**
 * The per-step scalars of an Adam update, computed once per call in double precision so that both kernel twins
 * apply the same bias correction. {@code p -= lr·m̂/(√v̂ + ε)} is rewritten as
 * {@code p -= stepSize·m / (√v·rootSecondCorrection + ε)}, which needs no per-element division by the
 * corrections. Plain static methods rather than a record of three floats: a record per call was not always
 * scalar-replaced by C2 and allocated 24 bytes per update.
 */
final class AdamStep {

    private AdamStep() {
    }

    /** {@code lr / (1 - β1^t)}. */
    static float stepSize(float learningRate, float beta1, long step) {
        return (float) (learningRate / (1.0 - Math.pow(beta1, step)));
    }

    /** {@code 1 / √(1 - β2^t)}. */
    static float rootSecondCorrection(float beta2, long step) {
        return (float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, step)));
    }

    /** {@code 1 - lr·λ}: the decoupled (AdamW) weight decay; 1 for plain Adam. */
    static float decayFactor(float learningRate, float weightDecay) {
        return 1f - learningRate * weightDecay;
    }
}
