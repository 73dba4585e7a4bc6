package org.gatelane.kernels;

import static org.gatelane.testing.Close.assertClose;
import static org.gatelane.testing.PropertyCases.array;
import static org.gatelane.testing.PropertyCases.positiveSize;
import static org.gatelane.testing.PropertyCases.size;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.gatelane.testing.PropertyCases;

import org.junit.jupiter.api.Test;

/**
 * Every vector kernel against its scalar twin over many seeded random cases: sizes that hit every tail,
 * non-zero offsets and leading dimensions, accumulate and overwrite. Runs once per vector width.
 */
class VectorMatchesScalarTest {

    private static final LstmKernels SCALAR = new ScalarKernels();
    private static final LstmKernels VECTOR = new VectorKernels();
    private static final int LANES = VectorKernels.SPECIES.length();
    /** Float rounding of one product-sum term; a sum of k terms may differ by k of these between orders. */
    private static final double FLOAT_EPS = Math.ulp(1f);

    @Test
    void runsAtTheRequestedWidth() {
        String requested = System.getProperty("gatelane.vectorBits");
        if (requested != null) {
            assertEquals(Integer.parseInt(requested), VectorKernels.vectorBits());
        }
        assertEquals("vector-" + VectorKernels.vectorBits(), VECTOR.name());
    }

    /** The three GEMM forms; {@code transA}/{@code transB} say how A and B are stored. */
    @Test
    void gemmFormsMatch() {
        PropertyCases.check("gemm", 300, random -> {
            int form = random.nextInt(3);
            int m = random.nextInt(3) == 0 ? size(random, LANES) % 40 : random.nextInt(14);
            int n = size(random, LANES) % 300;
            int k = random.nextInt(3) == 0 ? size(random, LANES) % 200 : random.nextInt(9);
            boolean accumulate = random.nextBoolean();
            int aRows = form == 1 ? k : m, aCols = form == 1 ? m : k;
            int bRows = form == 2 ? n : k, bCols = form == 2 ? k : n;
            int lda = aCols + random.nextInt(3), ldb = bCols + random.nextInt(3), ldc = n + random.nextInt(3);
            int aOff = random.nextInt(4), bOff = random.nextInt(4), cOff = random.nextInt(4);
            float[] a = array(random, aOff + aRows * lda, 2f);
            float[] b = array(random, bOff + bRows * ldb, 2f);
            float[] c = array(random, cOff + m * ldc, 2f);
            float[] expected = c.clone();
            float[] actual = c.clone();
            multiply(SCALAR, form, m, n, k, a, aOff, lda, b, bOff, ldb, expected, cOff, ldc, accumulate);
            multiply(VECTOR, form, m, n, k, a, aOff, lda, b, bOff, ldb, actual, cOff, ldc, accumulate);
            // Each |a·b| is below 4 and each sum has k + 1 terms, so orders differ by at most ~4(k+1)·eps each.
            assertClose("form " + form + " " + m + "x" + n + "x" + k, expected, actual, 8 * (k + 1) * FLOAT_EPS, 0);
        });
    }

    static void multiply(LstmKernels kernels, int form, int m, int n, int k, float[] a, int aOff, int lda,
                         float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        switch (form) {
            case 0 -> kernels.gemm(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            case 1 -> kernels.gemmTransA(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            default -> kernels.gemmTransB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        }
    }

    @Test
    void gemvAndItsTransposeMatch() {
        PropertyCases.check("gemv", 300, random -> {
            int k = size(random, LANES) % 600;
            int n = size(random, LANES) % 600;
            int ldw = n + random.nextInt(3);
            int wOff = random.nextInt(4), xOff = random.nextInt(4), yOff = random.nextInt(4);
            boolean accumulate = random.nextBoolean();
            float[] w = array(random, wOff + k * ldw, 2f);
            boolean transposed = random.nextBoolean();
            float[] x = array(random, xOff + (transposed ? n : k), 2f);
            float[] y = array(random, yOff + (transposed ? k : n), 2f);
            float[] expected = y.clone();
            float[] actual = y.clone();
            if (transposed) {
                SCALAR.gemvTransposed(k, n, w, wOff, ldw, x, xOff, expected, yOff, accumulate);
                VECTOR.gemvTransposed(k, n, w, wOff, ldw, x, xOff, actual, yOff, accumulate);
            } else {
                SCALAR.gemv(k, n, x, xOff, w, wOff, ldw, expected, yOff, accumulate);
                VECTOR.gemv(k, n, x, xOff, w, wOff, ldw, actual, yOff, accumulate);
            }
            int depth = transposed ? n : k;
            assertClose((transposed ? "W·v " : "x·W ") + k + "x" + n, expected, actual, 8 * (depth + 1) * FLOAT_EPS, 0);
        });
    }

    @Test
    void axpyMatches() {
        PropertyCases.check("axpy", 200, random -> {
            int n = size(random, LANES);
            int xOff = random.nextInt(4), yOff = random.nextInt(4);
            float alpha = (float) random.nextDouble(-3, 3);
            float[] x = array(random, xOff + n, 5f);
            float[] y = array(random, yOff + n, 5f);
            float[] expected = y.clone();
            float[] actual = y.clone();
            SCALAR.axpy(n, alpha, x, xOff, expected, yOff);
            VECTOR.axpy(n, alpha, x, xOff, actual, yOff);
            // FMA rounds once where the scalar loop rounds twice.
            assertClose("axpy n=" + n, expected, actual, 2e-6, 2e-7);
        });
    }

    /** A product rounds once either way, so the two must agree exactly, in place included. */
    @Test
    void multiplyMatchesExactly() {
        PropertyCases.check("multiply", 200, random -> {
            int n = size(random, LANES);
            int aOff = random.nextInt(4), bOff = random.nextInt(4), yOff = random.nextInt(4);
            float[] a = array(random, aOff + n, 5f);
            float[] b = array(random, bOff + n, 5f);
            boolean inPlace = random.nextBoolean();
            float[] expected = inPlace ? a.clone() : new float[yOff + n + 2];
            float[] actual = expected.clone();
            int outOff = inPlace ? aOff : yOff;
            SCALAR.multiply(n, inPlace ? expected : a, aOff, b, bOff, expected, outOff);
            VECTOR.multiply(n, inPlace ? actual : a, aOff, b, bOff, actual, outOff);
            assertArrayEquals(expected, actual, "multiply n=" + n + (inPlace ? " in place" : ""));
            for (int i = 0; i < n; i++) {
                assertEquals(a[aOff + i] * b[bOff + i], expected[outOff + i], "scalar product at " + i);
            }
        });
    }

    /** Inputs from every regime: ordinary, saturating, huge, tiny, signed zeros and NaN. */
    static float[] activationInputs(SplittableRandom random, int length) {
        float[] x = new float[length];
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE, 20f, -20f, 88.7f, -88.7f, 1e-20f, -104f};
        for (int i = 0; i < length; i++) {
            x[i] = switch (random.nextInt(6)) {
                case 0 -> specials[random.nextInt(specials.length)];
                case 1 -> Float.intBitsToFloat(random.nextInt()); // anywhere in the float range, NaNs included
                case 2 -> (float) random.nextDouble(-40, 40);
                default -> (float) random.nextDouble(-5, 5);
            };
        }
        return x;
    }

    @Test
    void activationsMatchInAndOutOfPlace() {
        PropertyCases.check("activations", 300, random -> {
            int n = size(random, LANES);
            int xOff = random.nextInt(4);
            float[] x = activationInputs(random, xOff + n + 2);
            boolean sigmoid = random.nextBoolean();
            boolean inPlace = random.nextBoolean();
            float[] expected = new float[x.length];
            float[] actual = inPlace ? x.clone() : new float[x.length];
            int yOff = inPlace ? xOff : random.nextInt(3);
            if (sigmoid) {
                SCALAR.sigmoid(n, x, xOff, expected, yOff);
                VECTOR.sigmoid(n, inPlace ? actual : x, xOff, actual, yOff);
            } else {
                SCALAR.tanh(n, x, xOff, expected, yOff);
                VECTOR.tanh(n, inPlace ? actual : x, xOff, actual, yOff);
            }
            for (int i = 0; i < n; i++) {
                assertClose((sigmoid ? "sigmoid(" : "tanh(") + x[xOff + i] + ")", expected[yOff + i], actual[yOff + i],
                        2 * LstmKernels.ACTIVATION_ABSOLUTE_ERROR, 0);
            }
        });
    }

    @Test
    void derivativesFromOutputsMatch() {
        PropertyCases.check("derivatives", 200, random -> {
            int n = size(random, LANES);
            float[] y = array(random, n, 1f);
            boolean sigmoid = random.nextBoolean();
            float[] expected = new float[n];
            float[] actual = new float[n];
            if (sigmoid) {
                SCALAR.sigmoidDerivative(n, y, 0, expected, 0);
                VECTOR.sigmoidDerivative(n, y, 0, actual, 0);
            } else {
                SCALAR.tanhDerivative(n, y, 0, expected, 0);
                VECTOR.tanhDerivative(n, y, 0, actual, 0);
            }
            assertClose(sigmoid ? "σ'" : "tanh'", expected, actual, 2 * FLOAT_EPS, 0);
        });
    }

    @Test
    void fusedCellForwardAndBackwardMatch() {
        PropertyCases.check("cell", 200, random -> {
            int hidden = positiveSize(random, LANES);
            int off = random.nextInt(4);
            float[] z = array(random, off + 4 * hidden, 6f);
            float[] cPrev = array(random, off + hidden, 3f);
            float[][] expected = {z.clone(), new float[off + hidden], new float[off + hidden], new float[off + hidden]};
            float[][] actual = {z.clone(), new float[off + hidden], new float[off + hidden], new float[off + hidden]};
            SCALAR.lstmCellForward(hidden, expected[0], off, cPrev, off, expected[1], off, expected[2], off, expected[3], off);
            VECTOR.lstmCellForward(hidden, actual[0], off, cPrev, off, actual[1], off, actual[2], off, actual[3], off);
            String[] names = {"gates", "c", "tanh(c)", "h"};
            for (int i = 0; i < names.length; i++) {
                assertClose(names[i] + " H=" + hidden, expected[i], actual[i], 4 * LstmKernels.ACTIVATION_ABSOLUTE_ERROR, 1e-6);
            }

            float[] dh = array(random, off + hidden, 1f);
            float[] dcNext = array(random, off + hidden, 1f);
            float[] dzExpected = new float[off + 4 * hidden];
            float[] dzActual = new float[off + 4 * hidden];
            float[] dcExpected = dcNext.clone();
            float[] dcActual = dcNext.clone(); // in place: dcPrev overwrites dcNext
            SCALAR.lstmCellBackward(hidden, expected[0], off, cPrev, off, expected[2], off, dh, off, dcNext, off,
                    dzExpected, off, dcExpected, off);
            VECTOR.lstmCellBackward(hidden, expected[0], off, cPrev, off, expected[2], off, dh, off, dcActual, off,
                    dzActual, off, dcActual, off);
            assertClose("dz H=" + hidden, dzExpected, dzActual, 1e-6, 1e-5);
            assertClose("dcPrev H=" + hidden, dcExpected, dcActual, 1e-6, 1e-5);
        });
    }

    @Test
    void softmaxCrossEntropyMatches() {
        PropertyCases.check("softmax-cross-entropy", 300, random -> {
            int n = positiveSize(random, LANES);
            float range = new float[] {1f, 30f, 1e4f}[random.nextInt(3)];
            int off = random.nextInt(4);
            float[] logits = array(random, off + n, range);
            int target = random.nextInt(n);
            float scale = (float) random.nextDouble(0.01, 1);
            float[] expected = new float[logits.length];
            float[] actual = new float[logits.length];
            float expectedLoss = SCALAR.softmaxCrossEntropy(n, logits, off, target, scale, expected, off);
            float actualLoss = VECTOR.softmaxCrossEntropy(n, logits, off, target, scale, actual, off);
            assertClose("loss n=" + n, expectedLoss, actualLoss, 1e-5, 1e-5);
            assertClose("dlogits n=" + n, expected, actual, 1e-6, 1e-5);
            float[] probabilities = new float[logits.length];
            VECTOR.softmax(n, logits, off, probabilities, off);
            SCALAR.softmax(n, logits, off, expected, off);
            assertClose("softmax n=" + n, expected, probabilities, 1e-6, 1e-5);
        });
    }

    @Test
    void optimizerStepsMatch() {
        PropertyCases.check("optimizers", 200, random -> {
            int n = size(random, LANES);
            int kind = random.nextInt(4);
            float[] params = array(random, n, 1f);
            float[][] state = {new float[n], new float[n]};
            float[] expected = params.clone();
            float[][] expectedState = {new float[n], new float[n]};
            for (int step = 1; step <= 5; step++) {
                float[] grads = array(random, n, 1f);
                update(SCALAR, kind, n, expected, grads, expectedState, step);
                update(VECTOR, kind, n, params, grads, state, step);
            }
            assertClose("optimizer " + kind + " n=" + n, expected, params, 1e-6, 1e-5);
        });
    }

    static void update(LstmKernels kernels, int kind, int n, float[] params, float[] grads, float[][] state, int step) {
        switch (kind) {
            case 0 -> kernels.sgd(n, params, 0, grads, 0, state[0], 0, 0.1f, 0.9f);
            case 1 -> kernels.rmsprop(n, params, 0, grads, 0, state[0], 0, 0.01f, 0.95f, 1e-8f);
            case 2 -> kernels.adam(n, params, 0, grads, 0, state[0], 0, state[1], 0, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, step);
            default -> kernels.adam(n, params, 0, grads, 0, state[0], 0, state[1], 0, 0.01f, 0.9f, 0.999f, 1e-8f, 0.1f, step);
        }
    }

    @Test
    void clippingKernelsMatch() {
        PropertyCases.check("clipping", 200, random -> {
            int n = size(random, LANES);
            int off = random.nextInt(4);
            float[] x = array(random, off + n, 10f);
            float expectedSum = SCALAR.sumOfSquares(n, x, off);
            float actualSum = VECTOR.sumOfSquares(n, x, off);
            // The design's contract for reductions: within 1e-5·n relative of the scalar twin.
            assertClose("sumOfSquares n=" + n, expectedSum, actualSum, 0, 1e-5 * Math.max(1, n));
            float alpha = (float) random.nextDouble(-2, 2);
            float[] scaled = x.clone();
            float[] scaledExpected = x.clone();
            SCALAR.scale(n, alpha, scaledExpected, off);
            VECTOR.scale(n, alpha, scaled, off);
            assertArrayEquals(scaledExpected, scaled, "scale is one rounding either way");
            float[] clamped = x.clone();
            float[] clampedExpected = x.clone();
            SCALAR.clamp(n, -5f, 5f, clampedExpected, off);
            VECTOR.clamp(n, -5f, 5f, clamped, off);
            assertArrayEquals(clampedExpected, clamped);
        });
    }

    @Test
    void nanPropagatesThroughActivationsClampAndNorm() {
        int n = 4 * LANES + 3;
        for (int at : new int[] {0, LANES - 1, 3 * LANES, n - 1}) {
            float[] x = new float[n];
            x[at] = Float.NaN;
            float[] y = new float[n];
            VECTOR.sigmoid(n, x, 0, y, 0);
            assertTrue(Float.isNaN(y[at]), "sigmoid of NaN at " + at);
            VECTOR.tanh(n, x, 0, y, 0);
            assertTrue(Float.isNaN(y[at]), "tanh of NaN at " + at);
            assertTrue(Float.isNaN(VECTOR.sumOfSquares(n, x, 0)), "sum of squares with NaN at " + at);
            VECTOR.clamp(n, -1f, 1f, x, 0);
            assertTrue(Float.isNaN(x[at]), "clamp of NaN at " + at);
        }
    }
}
