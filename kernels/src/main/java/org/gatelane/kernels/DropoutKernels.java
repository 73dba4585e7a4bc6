package org.gatelane.kernels;

/**
 * Dropout masks, drawn from {@link SplitMix64}.
 *
 * <p>Every kernel family shares {@link RecurrentKernels}'s conventions: arrays addressed by offset, row-major, owned
 * by the caller; no allocation in steady state, no threads, no state between calls.
 */
public interface DropoutKernels {

    /**
     * Draws an inverted-dropout mask of {@code n} elements: element i is 0 if the (i+1)-th SplitMix64 number after
     * {@code state}, as a uniform {@code u = (x >>> 11)·2^-53} in [0, 1), is below {@code rate}, and
     * {@code 1/(1 - rate)} otherwise. These are the masks a loop of {@code u < rate} over single draws gives, bit for
     * bit; {@link MatrixKernels#multiply} applies them.
     *
     * @param rate  the dropout rate p in [0, 1)
     * @param state the generator's state before the first draw
     * @return the state after the n draws, {@code state + n·GAMMA}
     */
    long dropoutMask(int n, float rate, long state, float[] mask, int maskOff);
}
