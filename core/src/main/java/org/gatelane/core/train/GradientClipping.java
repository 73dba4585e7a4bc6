package org.gatelane.core.train;

import org.gatelane.kernels.RecurrentKernels;

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
    public float apply(RecurrentKernels kernels, float[] gradients) {
        return apply(kernels, gradients, Optimizer.NO_TWINS);
    }

    /**
     * As {@link #apply(RecurrentKernels, float[])}, counting the gradients in the ranges {@code twins} (see
     * {@link Optimizer#update(float[], float[], float, int[])}) twice in the norm, as PyTorch's norm over both
     * copies of a bias counts them.
     */
    public float apply(RecurrentKernels kernels, float[] gradients, int[] twins) {
        double squares = squares(kernels, gradients, 0, gradients.length);
        for (int r = 0; r < twins.length; r += 2) {
            squares += squares(kernels, gradients, twins[r], twins[r + 1]);
        }
        double norm = Math.sqrt(squares);
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
     * The sum of squares of {@code gradients[from, to)} in double. The float sum overflows from a norm of about
     * 1.8e19 even though every gradient is finite; only then is the sum redone in double, after checking each value.
     */
    private static double squares(RecurrentKernels kernels, float[] gradients, int from, int to) {
        float squares = kernels.sumOfSquares(to - from, gradients, from);
        if (Float.isFinite(squares)) {
            return squares;
        }
        double sum = 0;
        for (int i = from; i < to; i++) {
            float g = gradients[i];
            if (!Float.isFinite(g)) {
                throw new NonFiniteException("gradient " + i + " of " + gradients.length + " is " + g
                        + "; lower the learning rate");
            }
            sum += (double) g * g;
        }
        return sum;
    }
}
