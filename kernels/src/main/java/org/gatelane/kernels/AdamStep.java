package org.gatelane.kernels;

/**
 * The per-step scalars of an Adam update, computed once in double precision so that both kernel twins apply
 * the same bias correction. {@code p -= lr·m̂/(√v̂ + ε)} is rewritten as
 * {@code p -= stepSize·m / (√v·rootSecondCorrection + ε)} with {@code stepSize = lr/(1-β1^t)} and
 * {@code rootSecondCorrection = 1/√(1-β2^t)}, which needs no per-element division by the corrections.
 *
 * @param stepSize             {@code lr / (1 - β1^t)}
 * @param rootSecondCorrection {@code 1 / √(1 - β2^t)}
 * @param decayFactor          {@code 1 - lr·λ}, the decoupled (AdamW) weight decay; 1 for plain Adam
 */
record AdamStep(float stepSize, float rootSecondCorrection, float decayFactor) {

    static AdamStep of(float learningRate, float beta1, float beta2, float weightDecay, long step) {
        double firstCorrection = 1.0 - Math.pow(beta1, step);
        double secondCorrection = 1.0 - Math.pow(beta2, step);
        return new AdamStep((float) (learningRate / firstCorrection), (float) (1.0 / Math.sqrt(secondCorrection)),
                1f - learningRate * weightDecay);
    }
}
