package org.gatelane.kernels;

/**
 * SplitMix64 (Steele, Lea and Flood), the generator behind every random choice in training: its state is one
 * {@code long} that advances by a constant, and each number is a mix of the state alone. So the n-th number after
 * a state is {@code mix(state + n·GAMMA)}, and a kernel can draw many at once, lane by lane, with exactly the
 * numbers a loop of single draws would give.
 */
public final class SplitMix64 {

    /** What the state advances by at each draw: 2^64 divided by the golden ratio, made odd. */
    public static final long GAMMA = 0x9E3779B97F4A7C15L;
    static final long MIX_MULTIPLIER_1 = 0xBF58476D1CE4E5B9L;
    static final long MIX_MULTIPLIER_2 = 0x94D049BB133111EBL;

    private SplitMix64() {
    }

    /** The number drawn once the state has become {@code state}. */
    public static long mix(long state) {
        long z = (state ^ (state >>> 30)) * MIX_MULTIPLIER_1;
        z = (z ^ (z >>> 27)) * MIX_MULTIPLIER_2;
        return z ^ (z >>> 31);
    }

    /**
     * How many of the 2^53 values {@code u = x·2^-53} (x a number's top 53 bits) fall below {@code p}: a draw's
     * {@code x} is below this count exactly when its {@code u} is below {@code p}. {@code p·2^53} is exact (a power
     * of two), and an integer lies below a real number exactly when it lies below that number's ceiling.
     */
    static long unitsBelow(double p) {
        return (long) Math.ceil(p * 0x1.0p53);
    }
}
