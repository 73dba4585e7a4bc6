package org.gatelane.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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

    /**
     * exp saturates at these bounds instead of returning +∞ or 0: e^88.38 ≈ 2.4e38 and e^-86.6 ≈ 2.4e-38, so
     * sigmoid and tanh still saturate to within 3e-38 of 0, 1 or -1, and every result stays finite. No blend
     * is spent on the edges; small code matters here, because C2 stops inlining past a size budget and a
     * vector that is not inlined is boxed.
     */
    private static final float EXP_HIGH = 88.3762626647949f;
    private static final float EXP_LOW = -86.6f;
    private static final float LOG2_E = 1.44269504088896341f;
    /** ln 2 split in two so that n·LN2_HIGH is exact for every n in range (Cody and Waite). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to the nearest integer, in its low bits. */
    private static final float ROUNDING_SHIFT = 12582912f;
    private static final int ROUNDING_SHIFT_BITS = Float.floatToRawIntBits(ROUNDING_SHIFT);

    /** Lane permutations that pair lane i with lane i ^ s, for s = lanes/2, lanes/4, ..., 1: a fixed sum tree. */
    private static final VectorShuffle<Float>[] SUM_TREE = sumTree();

    private VectorMath() {
    }

    /*
     * Constants are vectors held in static finals, not scalars broadcast at each use: a scalar operand costs a
     * chain of calls that C2 must inline, and past its inlining budget the vectors get boxed.
     */
    private static final FloatVector ONE = constant(1f);
    private static final FloatVector TWO = constant(2f);
    private static final FloatVector LOW = constant(EXP_LOW);
    private static final FloatVector HIGH = constant(EXP_HIGH);
    private static final FloatVector LOG2_E_V = constant(LOG2_E);
    private static final FloatVector SHIFT = constant(ROUNDING_SHIFT);
    private static final IntVector SHIFT_BITS = IntVector.broadcast(INT_SPECIES, ROUNDING_SHIFT_BITS - 126);
    private static final FloatVector MINUS_LN2_HIGH = constant(-LN2_HIGH);
    private static final FloatVector MINUS_LN2_LOW = constant(-LN2_LOW);
    /** Cephes' minimax polynomial for e^r on [-ln2/2, ln2/2], highest degree first. */
    private static final FloatVector P0 = constant(1.9875691500E-4f);
    private static final FloatVector P1 = constant(1.3981999507E-3f);
    private static final FloatVector P2 = constant(8.3334519073E-3f);
    private static final FloatVector P3 = constant(4.1665795894E-2f);
    private static final FloatVector P4 = constant(1.6666665459E-1f);
    private static final FloatVector P5 = constant(5.0000001201E-1f);

    /*
     * exp is split into methods of under 35 bytes of bytecode (C2's MaxInlineSize), which C2 inlines at every
     * call site; a larger exp was inlined only where C2 judged the call hot and was otherwise called with its
     * vectors boxed, several times slower. javap -c shows the sizes.
     */
    static FloatVector exp(FloatVector x) {
        return expInRange(x.max(LOW).min(HIGH));
    }

    private static FloatVector expInRange(FloatVector x) {
        FloatVector shifted = x.fma(LOG2_E_V, SHIFT);
        return powerOfTwo(shifted).mul(expOfRemainder(remainder(shifted, x)));
    }

    /** r = x - n·ln2 for n = round(x / ln2), in two steps (Cody and Waite). */
    private static FloatVector remainder(FloatVector shifted, FloatVector x) {
        FloatVector n = shifted.sub(SHIFT);
        return n.fma(MINUS_LN2_LOW, n.fma(MINUS_LN2_HIGH, x));
    }

    /** e^r for |r| <= ln2/2: 1 + r + r²·P(r). */
    private static FloatVector expOfRemainder(FloatVector r) {
        return lowerTerms(r, P0.fma(r, P1).fma(r, P2).fma(r, P3));
    }

    private static FloatVector lowerTerms(FloatVector r, FloatVector upper) {
        return upper.fma(r, P4).fma(r, P5).fma(r.mul(r), r).add(ONE);
    }

    /** 2^n from the rounded bits as 2^(n-1)·2, so n = 128 (x just below EXP_HIGH) keeps a normal exponent. */
    private static FloatVector powerOfTwo(FloatVector shifted) {
        return shifted.reinterpretAsInts().sub(SHIFT_BITS).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats()
                .mul(TWO);
    }

    /**
     * {@code 1/(1+exp(-x))} rather than {@code 0.5+0.5·tanh(x/2)}: accurate in relative terms for negative x,
     * where the sigmoid is tiny but not zero and the tanh form loses every digit.
     */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(ONE));
    }

    /**
     * {@code 1 - 2/(e^2x + 1)}: within the absolute bound everywhere, though, like every tanh built on exp, it
     * keeps no relative accuracy for |x| near 0, where a gate's absolute error is what matters.
     */
    static FloatVector tanh(FloatVector x) {
        return ONE.sub(TWO.div(exp(x.add(x)).add(ONE)));
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
