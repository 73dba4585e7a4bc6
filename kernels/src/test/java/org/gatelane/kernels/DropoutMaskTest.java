package org.gatelane.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/**
 * The scalar twin's masks against their definition in doubles (a uniform {@code (x >>> 11)·2^-53} per draw,
 * compared with the rate), and the generator against SplitMix64's published outputs.
 */
class DropoutMaskTest {

    private static final RecurrentKernels SCALAR = new ScalarKernels();

    /** The first outputs of the authors' splitmix64.c from seed 1234567. */
    @Test
    void theGeneratorGivesSplitMix64sNumbers() {
        long state = 1234567;
        long[] published = {6457827717110365317L, 3203168211198807973L, -8629252141511181193L,
                4593380528125082431L, -2037821214251327795L};
        for (long expected : published) {
            state += SplitMix64.GAMMA;
            assertEquals(expected, SplitMix64.mix(state));
        }
    }

    @Test
    void masksAreTheDrawsBelowTheRateInDoubles() {
        PropertyCases.check("dropoutMask-definition", 300, random -> {
            int n = random.nextInt(200);
            float rate = random.nextInt(4) == 0 ? 1f / (1 << random.nextInt(6)) / 2 : (float) random.nextDouble();
            long state = random.nextLong();
            float[] mask = new float[n];
            SCALAR.dropoutMask(n, rate, state, mask, 0);
            float kept = 1f / (1f - rate);
            for (int i = 0; i < n; i++) {
                double u = (SplitMix64.mix(state + (i + 1) * SplitMix64.GAMMA) >>> 11) * 0x1.0p-53;
                assertEquals(u < rate ? 0f : kept, mask[i], "element " + i + " at rate " + rate);
            }
        });
    }

    /** The integer threshold and the double compare agree on every value next to the edge. */
    @Test
    void theThresholdSplitsTheUnitsWhereTheDoubleCompareDoes() {
        PropertyCases.check("unitsBelow", 500, random -> {
            float rate = random.nextBoolean() ? (float) random.nextDouble() : 1f / (1 << random.nextInt(20));
            long edge = SplitMix64.unitsBelow(rate);
            for (long x = Math.max(0, edge - 2); x <= Math.min((1L << 53) - 1, edge + 2); x++) {
                assertEquals(x * 0x1.0p-53 < rate, x < edge, "x = " + x + " at rate " + rate);
            }
        });
    }

    @Test
    void aboutTheRateIsDropped() {
        int n = 100_000;
        float rate = 0.2f;
        float[] mask = new float[n];
        Kernels.preferred().dropoutMask(n, rate, 42, mask, 0);
        int dropped = 0;
        for (float m : mask) {
            dropped += m == 0 ? 1 : 0;
        }
        // Binomial: mean 20,000, standard deviation about 126; six of them either side.
        assertTrue(Math.abs(dropped - 20_000) < 760, dropped + " of " + n + " dropped at p = 0.2");
    }

    @Test
    void aRateOutsideZeroToOneIsRefused() {
        float[] mask = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kernels.preferred().dropoutMask(4, 1f, 0, mask, 0));
        assertEquals("dropoutMask: needs a rate in [0, 1) but was 1.0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Kernels.preferred().dropoutMask(4, Float.NaN, 0, mask, 0));
        assertThrows(IllegalArgumentException.class, () -> Kernels.preferred().dropoutMask(5, 0.5f, 0, mask, 0));
    }
}
