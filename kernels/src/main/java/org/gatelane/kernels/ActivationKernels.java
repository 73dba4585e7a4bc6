package org.gatelane.kernels;

/**
 * The activations of the gates and their derivatives, computed from the activation's output.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface ActivationKernels {

    /**
     * {@code y = 1 / (1 + exp(-x))} elementwise; {@code y} may be {@code x} at the same offset (in place).
     * NaN stays NaN. The vector implementation stays within {@link #ACTIVATION_ABSOLUTE_ERROR} of the exact
     * value over the whole float range.
     */
    void sigmoid(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code y = tanh(x)} elementwise, in place allowed, NaN propagated, same accuracy as {@link #sigmoid}. */
    void tanh(int n, float[] x, int xOff, float[] y, int yOff);

    /** {@code d = y · (1 - y)}: the sigmoid's derivative from its output {@code y}; in place allowed. */
    void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff);

    /** {@code d = 1 - y²}: the tanh's derivative from its output {@code y}; in place allowed. */
    void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff);

    /**
     * Largest absolute difference between an activation of the vector implementation and the exact value, for
     * any float input; enforced by the tests.
     */
    float ACTIVATION_ABSOLUTE_ERROR = 5e-7f;
}
