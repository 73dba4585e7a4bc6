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
     * Clips {@code gradients} in place and returns their global norm before clipping.
     *
     * @throws NonFiniteException if any gradient is NaN or infinite, before anything is changed
     */
    public float apply(LstmKernels kernels, float[] gradients) {
        float squares = kernels.sumOfSquares(gradients.length, gradients, 0);
        if (!Float.isFinite(squares)) {
            throw new NonFiniteException("the gradients hold NaN or infinite values (sum of squares " + squares
                    + "); lower the learning rate or enable clipping");
        }
        float norm = (float) Math.sqrt(squares);
        switch (mode) {
            case GLOBAL_NORM -> {
                if (norm > limit) {
                    kernels.scale(gradients.length, limit / norm, gradients, 0);
                }
            }
            case ELEMENTWISE -> kernels.clamp(gradients.length, -limit, limit, gradients, 0);
            case NONE -> {
            }
        }
        return norm;
    }
}
