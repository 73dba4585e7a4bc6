package org.gatelane.core.model;

import org.gatelane.kernels.SplitMix64;

/**
 * {@link SplitMix64}: a small, fast, seedable generator whose whole state is one {@code long}, so a checkpoint can
 * save it and a resumed run continues the exact same sequence.
 */
public final class Rng {

    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The complete state; {@code new Rng(r.state())} continues exactly where {@code r} is. */
    public long state() {
        return state;
    }

    /** Continues from {@code savedState}, a state {@link #state()} once gave, as {@code new Rng(savedState)} would. */
    public void restore(long savedState) {
        state = savedState;
    }

    public long nextLong() {
        return SplitMix64.mix(state += SplitMix64.GAMMA);
    }

    /** Uniform in {@code [0, 1)} with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in {@code [0, bound)}. */
    public int nextInt(int bound) {
        if (bound < 1) {
            throw new IllegalArgumentException("bound must be at least 1 but was " + bound);
        }
        return (int) ((nextLong() >>> 33) * bound >>> 31);
    }
}
