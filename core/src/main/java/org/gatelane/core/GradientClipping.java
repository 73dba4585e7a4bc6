package org.gatelane.core;

import org.gatelane.kernels.LstmKernels;

/** How gradients are limited before an update: by their global norm, elementwise (char-rnn), or not at all. */
public record GradientClipping(Mode mode, float limit) {

    public enum Mode { NONE, GLOBAL_NORM, ELEMENTWISE }

    public GradientClipping {
        if (mode != Mode.NONE && !(limit > 0)) {
            throw new IllegalArgumentException("a clipping limit must be positive but was " + limit);
        }
    }

    public static GradientClipping none() {
        return new GradientClipping(Mode.NONE, 0f);
    }

    public static GradientClipping globalNorm(float maxNorm) {
        return new GradientClipping(Mode.GLOBAL_NORM, maxNorm);
    }

    public static GradientClipping elementwise(float maxMagnitude) {
        return new GradientClipping(Mode.ELEMENTWISE, maxMagnitude);
    }

    /**
     * Clips {@code gradients} in place and returns their global norm before clipping (which may be
     * {@code Float.POSITIVE_INFINITY} for finite gradients whose norm exceeds the float range).
     *
     * @throws NonFiniteException if any gradient is NaN or infinite, before anything is changed
     */
    public float apply(LstmKernels kernels, float[] gradients) {
        double norm = globalNorm(kernels, gradients);
        switch (mode) {
            case GLOBAL_NORM -> {
                if (norm > limit) {
                    kernels.scale(gradients.length, (float) (limit / norm), gradients, 0);
                }
            }
            case ELEMENTWISE -> kernels.clamp(gradients.length, -limit, limit, gradients, 0);
            case NONE -> {
            }
        }
        return (float) norm;
    }

    /**
     * The Euclidean norm in double. The float sum of squares overflows from a norm of about 1.8e19 even though
     * every gradient is finite; only then is the sum redone in double, after checking each value.
     */
    private static double globalNorm(LstmKernels kernels, float[] gradients) {
        float squares = kernels.sumOfSquares(gradients.length, gradients, 0);
        if (Float.isFinite(squares)) {
            return Math.sqrt(squares);
        }
        double sum = 0;
        for (int i = 0; i < gradients.length; i++) {
            float g = gradients[i];
            if (!Float.isFinite(g)) {
                throw new NonFiniteException("gradient " + i + " of " + gradients.length + " is " + g
                        + "; lower the learning rate");
            }
            sum += (double) g * g;
        }
        return Math.sqrt(sum);
    }
}
