package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp over arrays, and lane sums, built only from IEEE-exact lanewise operations (add, mul, fma, compares and
 * blends, bit moves), so every result is the same bit for bit whether C2 has compiled the code or the Vector
 * API's Java fallback runs it.
 *
 * <p>Two lessons shaped this class. First, {@code lanewise(EXP)} and {@code lanewise(TANH)} are intrinsified
 * with another algorithm than their fallback, and {@code reduceLanes(ADD)} sums in an unspecified order, so a
 * training run's losses depended on when the JIT got round to a method and a resumed run did not reproduce an
 * uninterrupted one. Second, a method that takes or returns a {@code FloatVector} must be inlined, or the
 * vector is boxed; C2 stopped inlining an exp helper inside the larger kernels, which then allocated and ran
 * several times slower. So exp works on arrays, and the sigmoid and tanh kernels are exp followed by a cheap
 * second pass over data still in L1.
 */
final class VectorMath {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final VectorSpecies<Integer> INT_SPECIES = SPECIES.withLanes(int.class);
    private static final int LANES = SPECIES.length();

    /**
     * exp saturates at these bounds instead of returning +∞ or 0: e^88.38 ≈ 2.4e38 and e^-86.6 ≈ 2.4e-38, so
     * sigmoid and tanh still saturate to within 3e-38 of 0, 1 or -1, and every result stays finite. NaN stays
     * NaN through the clamp and the arithmetic.
     */
    private static final float EXP_HIGH = 88.3762626647949f;
    private static final float EXP_LOW = -86.6f;
    private static final float LOG2_E = 1.44269504088896341f;
    /** ln 2 split in two so that n·LN2_HIGH is exact for every n in range (Cody and Waite). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to the nearest integer, in its low bits. */
    private static final float ROUNDING_SHIFT = 12582912f;
    /** The rounded bits minus this give n + 126, the exponent field of 2^(n-1). */
    private static final int EXPONENT_BIAS = Float.floatToRawIntBits(ROUNDING_SHIFT) - 126;
    /** Cephes' minimax polynomial for e^r on [-ln2/2, ln2/2], highest degree first. */
    private static final float P0 = 1.9875691500E-4f;
    private static final float P1 = 1.3981999507E-3f;
    private static final float P2 = 8.3334519073E-3f;
    private static final float P3 = 4.1665795894E-2f;
    private static final float P4 = 1.6666665459E-1f;
    private static final float P5 = 5.0000001201E-1f;

    private VectorMath() {
    }

    /**
     * {@code y[i] = exp(scale·x[i] + offset)} for the whole vectors of {@code n} elements; returns how many
     * elements it did, so the caller finishes the tail with the scalar twin. In place allowed.
     */
    static int exp(int n, float scale, float offset, float[] x, int xOff, float[] y, int yOff) {
        FloatVector s = FloatVector.broadcast(SPECIES, scale);
        FloatVector t = FloatVector.broadcast(SPECIES, offset);
        FloatVector low = FloatVector.broadcast(SPECIES, EXP_LOW);
        FloatVector high = FloatVector.broadcast(SPECIES, EXP_HIGH);
        FloatVector log2e = FloatVector.broadcast(SPECIES, LOG2_E);
        FloatVector shift = FloatVector.broadcast(SPECIES, ROUNDING_SHIFT);
        FloatVector minusLn2High = FloatVector.broadcast(SPECIES, -LN2_HIGH);
        FloatVector minusLn2Low = FloatVector.broadcast(SPECIES, -LN2_LOW);
        FloatVector p0 = FloatVector.broadcast(SPECIES, P0);
        FloatVector p1 = FloatVector.broadcast(SPECIES, P1);
        FloatVector p2 = FloatVector.broadcast(SPECIES, P2);
        FloatVector p3 = FloatVector.broadcast(SPECIES, P3);
        FloatVector p4 = FloatVector.broadcast(SPECIES, P4);
        FloatVector p5 = FloatVector.broadcast(SPECIES, P5);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        IntVector bias = IntVector.broadcast(INT_SPECIES, EXPONENT_BIAS);
        int bound = SPECIES.loopBound(n);
        for (int i = 0; i < bound; i += LANES) {
            // Clamped by compare and blend, not max and min: Java's max and min order -0 below +0 and pass NaN on,
            // which x86 has no instruction for, and C2's sequences for them made exp 1.4x slower at 512 bits. The
            // bounds are far from 0, and a NaN fails both compares and goes through unchanged.
            FloatVector u = FloatVector.fromArray(SPECIES, x, xOff + i).fma(s, t);
            FloatVector v = u.blend(low, u.compare(VectorOperators.LT, low))
                    .blend(high, u.compare(VectorOperators.GT, high));
            // n = round(v / ln2) in the low bits of a float, then r = v - n·ln2 in two exact steps.
            FloatVector rounded = v.fma(log2e, shift);
            FloatVector whole = rounded.sub(shift);
            FloatVector r = whole.fma(minusLn2Low, whole.fma(minusLn2High, v));
            FloatVector p = p0.fma(r, p1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5).fma(r.mul(r), r).add(one);
            // 2^n as 2^(n-1)·2, so that n = 128 (v just below EXP_HIGH) keeps a normal exponent field.
            FloatVector powerOfTwo = rounded.reinterpretAsInts().sub(bias).lanewise(VectorOperators.LSHL, 23)
                    .reinterpretAsFloats();
            p.mul(powerOfTwo).mul(two).intoArray(y, yOff + i);
        }
        return bound;
    }

    /**
     * Σ lanes, always from lane 0 up. Read lane by lane: a fixed tree of shuffles was as deterministic but C2
     * boxed its vectors in some compile units (448 bytes per call), and the lanes are few.
     */
    static float sum(FloatVector v) {
        float total = 0f;
        for (int lane = 0; lane < LANES; lane++) {
            total += v.lane(lane);
        }
        return total;
    }
}
