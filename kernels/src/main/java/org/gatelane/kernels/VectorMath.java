package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, sigmoid, tanh and lane sums built only from IEEE-exact lanewise operations (add, mul, fma, div, compare,
 * blend, bit moves), so every result is the same bit for bit whether C2 has compiled the code or the Vector
 * API's Java fallback runs it.
 *
 * <p>That is the reason this class exists. {@code lanewise(EXP)} and {@code lanewise(TANH)} are intrinsified
 * with a different algorithm than their fallback, and {@code reduceLanes(ADD)} sums in an unspecified order,
 * so a training run's losses depended on when the JIT got round to a method: a resumed run did not reproduce
 * an uninterrupted one. These versions are deterministic and, over an activation's range, within 2 ulp of
 * the exact value (the tests hold them to {@link LstmKernels#ACTIVATION_ABSOLUTE_ERROR}).
 */
final class VectorMath {

    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final VectorSpecies<Integer> INT_SPECIES = SPECIES.withLanes(int.class);

    /** Above this exp overflows to +∞; below {@link #EXP_LOW} it is returned as 0 (an absolute error < 3e-38). */
    private static final float EXP_HIGH = 88.3762626647949f;
    private static final float EXP_LOW = -86.6f;
    private static final float LOG2_E = 1.44269504088896341f;
    /** ln 2 split in two so that n·LN2_HIGH is exact for every n in range (Cody and Waite). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to the nearest integer, in its low bits. */
    private static final float ROUNDING_SHIFT = 12582912f;
    private static final int ROUNDING_SHIFT_BITS = Float.floatToRawIntBits(ROUNDING_SHIFT);
    /** Below this |x|, tanh uses its odd polynomial: 1 - 2/(e^2x + 1) would lose all relative accuracy near 0. */
    private static final float TANH_POLYNOMIAL_LIMIT = 0.625f;

    /** Lane permutations that pair lane i with lane i ^ s, for s = lanes/2, lanes/4, ..., 1: a fixed sum tree. */
    private static final VectorShuffle<Float>[] SUM_TREE = sumTree();

    private VectorMath() {
    }

    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(EXP_LOW).min(EXP_HIGH);
        FloatVector shifted = clamped.fma(LOG2_E, ROUNDING_SHIFT);
        FloatVector n = shifted.sub(ROUNDING_SHIFT);
        IntVector exponent = shifted.reinterpretAsInts().sub(ROUNDING_SHIFT_BITS);
        FloatVector r = n.fma(constant(-LN2_HIGH), clamped);
        r = n.fma(constant(-LN2_LOW), r);
        // Cephes' minimax polynomial for e^r on [-ln2/2, ln2/2].
        FloatVector p = FloatVector.broadcast(SPECIES, 1.9875691500E-4f);
        p = p.fma(r, constant(1.3981999507E-3f));
        p = p.fma(r, constant(8.3334519073E-3f));
        p = p.fma(r, constant(4.1665795894E-2f));
        p = p.fma(r, constant(1.6666665459E-1f));
        p = p.fma(r, constant(5.0000001201E-1f));
        p = p.fma(r.mul(r), r).add(1f);
        // 2^n as 2^(n-1)·2, so that n = 128 (x just below EXP_HIGH) still has a normal exponent field.
        FloatVector half = exponent.add(126).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = p.mul(half).mul(2f);
        result = result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_HIGH));
        return result.blend(0f, x.compare(VectorOperators.LT, EXP_LOW));
    }

    /**
     * {@code 1/(1+exp(-x))} rather than {@code 0.5+0.5·tanh(x/2)}: accurate in relative terms for negative x,
     * where the sigmoid is tiny but not zero and the tanh form loses every digit.
     */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        return one.div(exp(x.neg()).add(one));
    }

    static FloatVector tanh(FloatVector x) {
        FloatVector viaExp = FloatVector.broadcast(SPECIES, 1f).sub(
                FloatVector.broadcast(SPECIES, 2f).div(exp(x.add(x)).add(1f)));
        FloatVector z = x.mul(x);
        // Cephes' odd polynomial for tanh on |x| < 0.625.
        FloatVector p = FloatVector.broadcast(SPECIES, -5.70498872745E-3f);
        p = p.fma(z, constant(2.06390887954E-2f));
        p = p.fma(z, constant(-5.37397155531E-2f));
        p = p.fma(z, constant(1.33314422036E-1f));
        p = p.fma(z, constant(-3.33332819422E-1f));
        FloatVector small = p.mul(z).fma(x, x);
        VectorMask<Float> nearZero = x.abs().compare(VectorOperators.LT, TANH_POLYNOMIAL_LIMIT);
        return viaExp.blend(small, nearZero);
    }

    private static FloatVector constant(float value) {
        return FloatVector.broadcast(SPECIES, value);
    }

    /** Σ lanes, always in the same tree order. */
    static float sum(FloatVector v) {
        for (VectorShuffle<Float> pairing : SUM_TREE) {
            v = v.add(v.rearrange(pairing));
        }
        return v.lane(0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] sumTree() {
        int lanes = SPECIES.length();
        int levels = Integer.numberOfTrailingZeros(lanes);
        VectorShuffle<Float>[] tree = new VectorShuffle[levels];
        for (int level = 0; level < levels; level++) {
            int stride = lanes >> (level + 1);
            tree[level] = VectorShuffle.fromOp(SPECIES, i -> i ^ stride);
        }
        return tree;
    }

    static {
        if (INT_SPECIES.length() != SPECIES.length()) {
            throw new AssertionError("int and float species differ in lanes");
        }
    }
}
