package org.gatelane.testing;

import java.util.SplittableRandom;

/**
 * Property-style test cases without a framework: each case gets its own seeded generator, and a failing case
 * reports its seed so it can be replayed alone with {@code -Dgatelane.test.seed=<seed> -Dgatelane.test.cases=1}.
 */
public final class PropertyCases {

    /** The seed of the first case when none is given. */
    public static final long DEFAULT_SEED = 0x6A7E1A9EL;

    /** The seed of the first case; later cases derive theirs from it. */
    public static final long BASE_SEED = Long.getLong("gatelane.test.seed", DEFAULT_SEED);

    /** Caps every property's case count, e.g. to 1 when replaying a single seed. */
    private static final int MAX_CASES = Integer.getInteger("gatelane.test.cases", Integer.MAX_VALUE);

    /** One case of a property. */
    @FunctionalInterface
    public interface Case {
        void check(SplittableRandom random) throws Exception;
    }

    private PropertyCases() {
    }

    /** Runs {@code count} cases of {@code property}, each from its own seed, and names the seed of a failure. */
    public static void check(String property, int count, Case body) {
        SplittableRandom seeds = new SplittableRandom(BASE_SEED ^ property.hashCode());
        int cases = Math.min(count, MAX_CASES);
        for (int i = 0; i < cases; i++) {
            long seed = i == 0 ? BASE_SEED : seeds.nextLong();
            try {
                body.check(new SplittableRandom(seed));
            } catch (Throwable failure) {
                throw new AssertionError(property + ": case " + i + " failed; replay it with -Dgatelane.test.seed="
                        + seed + " -Dgatelane.test.cases=1: " + failure.getMessage(), failure);
            }
        }
    }

    /**
     * A size that hits every tail of a loop over vectors of {@code lanes} floats: 0, 1, lanes ± 1, 2·lanes + 3,
     * primes, and sizes past 1000; or, one time in four, any size up to 1100.
     */
    public static int size(SplittableRandom random, int lanes) {
        int[] interesting = {0, 1, 2, 3, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes + 3, 4 * lanes + 1,
                6 * lanes + 5, 7, 13, 31, 61, 97, 127, 257, 509, 1000, 1031};
        return random.nextInt(4) == 0 ? random.nextInt(1101) : interesting[random.nextInt(interesting.length)];
    }

    /** A size as {@link #size} but at least 1. */
    public static int positiveSize(SplittableRandom random, int lanes) {
        return Math.max(1, size(random, lanes));
    }

    /** An array of {@code offset + length + slack} floats in {@code [-range, range)}; the slack is random. */
    public static float[] array(SplittableRandom random, int length, float range) {
        float[] values = new float[length + random.nextInt(4)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * range);
        }
        return values;
    }
}
