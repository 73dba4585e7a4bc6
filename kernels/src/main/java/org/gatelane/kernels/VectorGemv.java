package org.gatelane.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix-vector products of {@link VectorKernels}, one stream's step of the recurrence and its gradient:
 * {@code y (+)= x·W}, four rows of W per pass, each element one FMA chain in depth order exactly as in
 * {@link VectorGemm}, and {@code y (+)= W·v} as tiles of four dot products. Both are bound
 * by reading W, so they stream it once, row by row, and do nothing else. The only state is each thread's scratch
 * and the direction of its next sweep of {@code W·v}, neither of which changes a result.
 */
final class VectorGemv {

    private static final VectorSpecies<Float> SPECIES = VectorConstants.SPECIES;
    private static final int LANES = SPECIES.length();
    /** Each thread's scratch for {@link #rowDots}. */
    private static final ThreadLocal<RowSweep> ROW_SWEEPS = ThreadLocal.withInitial(RowSweep::new);

    /**
     * A thread's store for the lanes of four dot products, and the way its next sweep over B's rows runs. The
     * sweeps alternate: a W the size of the L2 cache, read in the same order every step, misses on every line
     * (each line is evicted just before it is read again), while read against the direction of the last sweep it
     * finds the lines that sweep left. The rows' order changes no bit: each row is its own dot product. On a Zen 5
     * (1 MB of L2) this made {@code GemvBenchmark.gemvTransposed} 1.2x as fast at H = 256 and the batch-1 training
     * step at H = 256 1.07-1.12x. {@link #gemv} cannot do the same by rows, whose order is each element's FMA
     * chain; sweeping its columns in bands that alternate instead was slower at every H.
     */
    private static final class RowSweep {
        final float[] lanes = new float[4 * LANES];
        boolean backward;
    }

    private VectorGemv() {
    }

    static void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
                               int yOff, boolean accumulate) {
        rowDots(k, n, v, vOff, w, wOff, ldw, y, yOff, accumulate);
    }

    /** {@code y[j] (+)= x · B's row j} for {@code rows} rows of B, four rows per pass over x. */
    private static void rowDots(int rows, int k, float[] x, int xOff, float[] b, int bOff, int ldb, float[] y,
                                int yOff, boolean accumulate) {
        RowSweep sweep = ROW_SWEEPS.get();
        int tiled = rows - rows % 4;
        for (int tile = 0; tile < tiled; tile += 4) {
            int j = sweep.backward ? tiled - 4 - tile : tile;
            dots1x4(k, x, xOff, b, bOff + j * ldb, ldb, y, yOff + j, accumulate, sweep.lanes);
        }
        for (int j = tiled; j < rows; j++) {
            storeDot(y, yOff + j, dot(k, x, xOff, b, bOff + j * ldb), accumulate);
        }
        sweep.backward = !sweep.backward;
    }

    private static void storeDot(float[] c, int at, float dot, boolean accumulate) {
        c[at] = accumulate ? c[at] + dot : dot;
    }

    /**
     * Four dot products of one x against four rows of B. Two accumulators per row (eight FMA chains) hide the
     * FMA latency; x is loaded once for all four rows. Each row's lanes are then added from lane 0 up, as
     * {@link VectorMath#sum} adds them, but read back from {@code lanes} after one store per row: reading them out
     * of the register one at a time cost two instructions a lane, and at H = 128 made this product 1.6x as slow as
     * {@link #gemv} over the same weights ({@code GemvBenchmark}, 512 bits, Zen 4); this way it runs 1.33x faster,
     * with the same bits.
     */
    private static void dots1x4(int k, float[] x, int x0, float[] b, int b0, int ldb, float[] y, int y0,
                                boolean accumulate, float[] lanes) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        int b1 = b0 + ldb, b2 = b0 + 2 * ldb, b3 = b0 + 3 * ldb;
        int pairBound = k - k % (2 * LANES);
        int p = 0;
        for (; p < pairBound; p += 2 * LANES) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, x0 + p);
            FloatVector xw = FloatVector.fromArray(SPECIES, x, x0 + p + LANES);
            s0 = xv.fma(FloatVector.fromArray(SPECIES, b, b0 + p), s0);
            t0 = xw.fma(FloatVector.fromArray(SPECIES, b, b0 + p + LANES), t0);
            s1 = xv.fma(FloatVector.fromArray(SPECIES, b, b1 + p), s1);
            t1 = xw.fma(FloatVector.fromArray(SPECIES, b, b1 + p + LANES), t1);
            s2 = xv.fma(FloatVector.fromArray(SPECIES, b, b2 + p), s2);
            t2 = xw.fma(FloatVector.fromArray(SPECIES, b, b2 + p + LANES), t2);
            s3 = xv.fma(FloatVector.fromArray(SPECIES, b, b3 + p), s3);
            t3 = xw.fma(FloatVector.fromArray(SPECIES, b, b3 + p + LANES), t3);
        }
        for (; p < SPECIES.loopBound(k); p += LANES) {
            FloatVector xv = FloatVector.fromArray(SPECIES, x, x0 + p);
            s0 = xv.fma(FloatVector.fromArray(SPECIES, b, b0 + p), s0);
            s1 = xv.fma(FloatVector.fromArray(SPECIES, b, b1 + p), s1);
            s2 = xv.fma(FloatVector.fromArray(SPECIES, b, b2 + p), s2);
            s3 = xv.fma(FloatVector.fromArray(SPECIES, b, b3 + p), s3);
        }
        int rest = k - p;
        s0.add(t0).intoArray(lanes, 0);
        s1.add(t1).intoArray(lanes, LANES);
        s2.add(t2).intoArray(lanes, 2 * LANES);
        s3.add(t3).intoArray(lanes, 3 * LANES);
        storeDot(y, y0, laneSum(lanes, 0) + ScalarKernels.dot(rest, x, x0 + p, b, b0 + p), accumulate);
        storeDot(y, y0 + 1, laneSum(lanes, LANES) + ScalarKernels.dot(rest, x, x0 + p, b, b1 + p), accumulate);
        storeDot(y, y0 + 2, laneSum(lanes, 2 * LANES) + ScalarKernels.dot(rest, x, x0 + p, b, b2 + p), accumulate);
        storeDot(y, y0 + 3, laneSum(lanes, 3 * LANES) + ScalarKernels.dot(rest, x, x0 + p, b, b3 + p), accumulate);
    }

    private static float laneSum(float[] lanes, int from) {
        float total = 0f;
        for (int lane = 0; lane < LANES; lane++) {
            total += lanes[from + lane];
        }
        return total;
    }

    /** One dot product with two accumulators; the remainder of the tiled dot kernels. */
    private static float dot(int k, float[] x, int x0, float[] y, int y0) {
        FloatVector s = FloatVector.zero(SPECIES);
        FloatVector t = s;
        int pairBound = k - k % (2 * LANES);
        int p = 0;
        for (; p < pairBound; p += 2 * LANES) {
            s = FloatVector.fromArray(SPECIES, x, x0 + p).fma(FloatVector.fromArray(SPECIES, y, y0 + p), s);
            t = FloatVector.fromArray(SPECIES, x, x0 + p + LANES).fma(FloatVector.fromArray(SPECIES, y, y0 + p + LANES), t);
        }
        for (; p < SPECIES.loopBound(k); p += LANES) {
            s = FloatVector.fromArray(SPECIES, x, x0 + p).fma(FloatVector.fromArray(SPECIES, y, y0 + p), s);
        }
        return VectorMath.sum(s.add(t)) + ScalarKernels.dot(k - p, x, x0 + p, y, y0 + p);
    }

    /**
     * {@code y += x·W} four rows of W per pass: each pass loads and stores y once for four FMAs, reading W
     * contiguously row by row.
     */
    static void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
                     boolean accumulate) {
        if (!accumulate) {
            Arrays.fill(y, yOff, yOff + n, 0f);
        }
        int bound = SPECIES.loopBound(n);
        int p = 0;
        for (; p + 4 <= k; p += 4) {
            FloatVector x0 = FloatVector.broadcast(SPECIES, x[xOff + p]);
            FloatVector x1 = FloatVector.broadcast(SPECIES, x[xOff + p + 1]);
            FloatVector x2 = FloatVector.broadcast(SPECIES, x[xOff + p + 2]);
            FloatVector x3 = FloatVector.broadcast(SPECIES, x[xOff + p + 3]);
            int w0 = wOff + p * ldw, w1 = w0 + ldw, w2 = w1 + ldw, w3 = w2 + ldw;
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector acc = FloatVector.fromArray(SPECIES, y, yOff + j);
                acc = x0.fma(FloatVector.fromArray(SPECIES, w, w0 + j), acc);
                acc = x1.fma(FloatVector.fromArray(SPECIES, w, w1 + j), acc);
                acc = x2.fma(FloatVector.fromArray(SPECIES, w, w2 + j), acc);
                acc = x3.fma(FloatVector.fromArray(SPECIES, w, w3 + j), acc);
                acc.intoArray(y, yOff + j);
            }
        }
        for (; p < k; p++) {
            FloatVector xp = FloatVector.broadcast(SPECIES, x[xOff + p]);
            int wp = wOff + p * ldw;
            for (int j = 0; j < bound; j += LANES) {
                xp.fma(FloatVector.fromArray(SPECIES, w, wp + j), FloatVector.fromArray(SPECIES, y, yOff + j))
                        .intoArray(y, yOff + j);
            }
        }
        // The columns past the last full vector: one fused multiply-add per depth, in depth order, as a lane of
        // the GEMM's micro-kernel adds them. Every element of y is then the same FMA chain as the GEMM's, so one
        // stream's step gives bit for bit what the same stream gives among many (batched generation relies on it).
        for (int j = bound; j < n; j++) {
            float acc = y[yOff + j];
            for (int q = 0; q < k; q++) {
                acc = Math.fma(x[xOff + q], w[wOff + q * ldw + j], acc);
            }
            y[yOff + j] = acc;
        }
    }
}
