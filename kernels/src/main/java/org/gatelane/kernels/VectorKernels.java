package org.gatelane.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API. Every loop runs a vector body up to {@code SPECIES.loopBound} and hands the
 * remainder to the scalar twin, so tails are exactly the reference code; no masks in hot loops.
 *
 * <p>The species is fixed at class initialisation: the platform's preferred float species, or the width named
 * by {@code -Dgatelane.vectorBits=128|256|512}. Do not load this class without {@code jdk.incubator.vector}
 * in the boot layer; {@link Kernels} checks that first.
 */
public final class VectorKernels implements LstmKernels {

    static final VectorSpecies<Float> SPECIES = chooseSpecies();
    private static final int LANES = SPECIES.length();

    /**
     * Rows of C per GEMM register tile. Six rows by two vectors is 12 accumulators plus two B vectors and one
     * broadcast: 15 of the 16 vector registers of AVX2, and 12 independent FMA chains, enough to cover the
     * FMA latency on two pipes.
     */
    private static final int TILE_ROWS = 6;

    /**
     * Depth of one pass of the register tiles: a panel of B this deep and two vectors wide holds 4096 floats,
     * 16 KB at any width, half of L1, so it stays there while every row tile streams past it.
     */
    private static final int DEPTH_BLOCK = 2048 / LANES;

    /**
     * From this many rows of C on, each depth block of a B panel is first copied into a contiguous per-thread
     * buffer. LSTM weights have rows of 4H floats, a power-of-two stride that maps every row of a panel onto the
     * same few L1 sets; read in place, the panel evicts itself. Packed, the weight-gradient GEMM measured about
     * 1.4x faster at K = 512. Fewer rows would not repay the copy.
     */
    private static final int PACKING_MIN_ROWS = 2 * TILE_ROWS;

    /**
     * The packed panel: allocated once per thread on first use (16 KB), then reused, so steady-state calls
     * allocate nothing and threads never share it.
     */
    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[DEPTH_BLOCK * 2 * LANES]);

    private static final ScalarKernels SCALAR = new ScalarKernels();

    static VectorSpecies<Float> chooseSpecies() {
        String requested = System.getProperty(VectorWidth.PROPERTY);
        return requested == null
                ? FloatVector.SPECIES_PREFERRED
                : FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(VectorWidth.parseBits(requested)))
                        .check(float.class);
    }

    /** The vector width in bits this class runs at. */
    public static int vectorBits() {
        return SPECIES.vectorBitSize();
    }

    @Override
    public String name() {
        return "vector-" + vectorBits();
    }

    // ---- Matrix products -------------------------------------------------------------------------------

    @Override
    public void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        stridedGemm(m, n, k, a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        // Aᵀ needs no copy: its element (i, p) is A's element (p, i), so the tile only swaps A's strides.
        stridedGemm(m, n, k, a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * C += A·B where A's element (i, p) is at {@code aOff + i·aRowStride + p·aDepthStride}, in depth blocks of
     * {@link #DEPTH_BLOCK}. Within a block, column panels of two vectors run in the outer loop so that one panel
     * of B stays in L1 while every row tile streams past it; B is not packed (a packed probe measured slower).
     */
    private static void stridedGemm(int m, int n, int k, float[] a, int aOff, int aRowStride, int aDepthStride,
                                    float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                                    boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
            int depth = Math.min(DEPTH_BLOCK, k - p0);
            accumulateTiles(m, n, depth, a, aOff + p0 * aDepthStride, aRowStride, aDepthStride, b, bOff + p0 * ldb,
                    ldb, c, cOff, ldc);
        }
    }

    /** C += A·B for one depth block: column panels outer, register tiles inner, then the column remainder. */
    private static void accumulateTiles(int m, int n, int k, float[] a, int aOff, int aRowStride, int aDepthStride,
                                        float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int width = 2 * LANES;
        float[] packed = m >= PACKING_MIN_ROWS ? PANEL.get() : null;
        int j = 0;
        for (; j + width <= n; j += width) {
            if (packed != null) {
                for (int p = 0; p < k; p++) {
                    System.arraycopy(b, bOff + p * ldb + j, packed, p * width, width);
                }
                rowTiles(m, k, a, aOff, aRowStride, aDepthStride, packed, 0, width, c, cOff + j, ldc);
            } else {
                rowTiles(m, k, a, aOff, aRowStride, aDepthStride, b, bOff + j, ldb, c, cOff + j, ldc);
            }
        }
        for (; j + LANES <= n; j += LANES) {
            for (int i = 0; i < m; i++) {
                tile1x1(k, a, aOff + i * aRowStride, aDepthStride, b, bOff + j, ldb, c, cOff + i * ldc + j);
            }
        }
        ScalarKernels.stridedGemm(m, n - j, k, a, aOff, aRowStride, aDepthStride, b, bOff + j, ldb, c, cOff + j, ldc,
                true);
    }

    /** Every row of C against one panel of B two vectors wide ({@code b0} is the panel's first column). */
    private static void rowTiles(int m, int k, float[] a, int aOff, int aRowStride, int aDepthStride, float[] b,
                                 int b0, int ldb, float[] c, int c0, int ldc) {
        int i = 0;
        for (; i + TILE_ROWS <= m; i += TILE_ROWS) {
            tile6x2(k, a, aOff + i * aRowStride, aRowStride, aDepthStride, b, b0, ldb, c, c0 + i * ldc, ldc);
        }
        // The row remainder in the largest tiles that fit: a lone row has only two FMA chains, a quarter of the
        // tile's, and at batch 32 or T·B = 800 rows it used to take a fifth of the GEMM's time.
        if (m - i >= 4) {
            tile4x2(k, a, aOff + i * aRowStride, aRowStride, aDepthStride, b, b0, ldb, c, c0 + i * ldc, ldc);
            i += 4;
        }
        if (m - i >= 2) {
            tile2x2(k, a, aOff + i * aRowStride, aRowStride, aDepthStride, b, b0, ldb, c, c0 + i * ldc, ldc);
            i += 2;
        }
        if (i < m) {
            tile1x2(k, a, aOff + i * aRowStride, aDepthStride, b, b0, ldb, c, c0 + i * ldc);
        }
    }

    /**
     * The register tile: C[6 x 2 vectors] += A[6 x k]·B[k x 2 vectors]. The accumulators are separate locals,
     * not an array, so that C2 keeps all twelve in registers; C is loaded and stored once per depth block.
     */
    private static void tile6x2(int k, float[] a, int a0, int rs, int ds, float[] b, int b0, int ldb, float[] c,
                                int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        FloatVector c40 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(SPECIES, c, c0 + 4 * ldc + LANES);
        FloatVector c50 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(SPECIES, c, c0 + 5 * ldc + LANES);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            int ap = a0 + p * ds;
            FloatVector ar = FloatVector.broadcast(SPECIES, a[ap]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[ap + rs]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            ar = FloatVector.broadcast(SPECIES, a[ap + 2 * rs]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            ar = FloatVector.broadcast(SPECIES, a[ap + 3 * rs]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
            ar = FloatVector.broadcast(SPECIES, a[ap + 4 * rs]);
            c40 = ar.fma(b0v, c40);
            c41 = ar.fma(b1v, c41);
            ar = FloatVector.broadcast(SPECIES, a[ap + 5 * rs]);
            c50 = ar.fma(b0v, c50);
            c51 = ar.fma(b1v, c51);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + LANES);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c0 + 5 * ldc + LANES);
    }

    /** Four rows of C, two vectors wide: a row remainder of {@link #tile6x2}. */
    private static void tile4x2(int k, float[] a, int a0, int rs, int ds, float[] b, int b0, int ldb, float[] c,
                                int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c0 + 2 * ldc + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c0 + 3 * ldc + LANES);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            int ap = a0 + p * ds;
            FloatVector ar = FloatVector.broadcast(SPECIES, a[ap]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[ap + rs]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
            ar = FloatVector.broadcast(SPECIES, a[ap + 2 * rs]);
            c20 = ar.fma(b0v, c20);
            c21 = ar.fma(b1v, c21);
            ar = FloatVector.broadcast(SPECIES, a[ap + 3 * rs]);
            c30 = ar.fma(b0v, c30);
            c31 = ar.fma(b1v, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + LANES);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + LANES);
    }

    /** Two rows of C, two vectors wide: a row remainder of {@link #tile6x2}. */
    private static void tile2x2(int k, float[] a, int a0, int rs, int ds, float[] b, int b0, int ldb, float[] c,
                                int c0, int ldc) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c0 + ldc);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c0 + ldc + LANES);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bp);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bp + LANES);
            int ap = a0 + p * ds;
            FloatVector ar = FloatVector.broadcast(SPECIES, a[ap]);
            c00 = ar.fma(b0v, c00);
            c01 = ar.fma(b1v, c01);
            ar = FloatVector.broadcast(SPECIES, a[ap + rs]);
            c10 = ar.fma(b0v, c10);
            c11 = ar.fma(b1v, c11);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + LANES);
    }

    /** One row of C, two vectors wide: the last row remainder of {@link #tile6x2}. */
    private static void tile1x2(int k, float[] a, int a0, int ds, float[] b, int b0, int ldb, float[] c, int c0) {
        FloatVector c0v = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c1v = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        for (int p = 0; p < k; p++) {
            int bp = b0 + p * ldb;
            FloatVector ar = FloatVector.broadcast(SPECIES, a[a0 + p * ds]);
            c0v = ar.fma(FloatVector.fromArray(SPECIES, b, bp), c0v);
            c1v = ar.fma(FloatVector.fromArray(SPECIES, b, bp + LANES), c1v);
        }
        c0v.intoArray(c, c0);
        c1v.intoArray(c, c0 + LANES);
    }

    /** One row of C, one vector wide: the column remainder. */
    private static void tile1x1(int k, float[] a, int a0, int ds, float[] b, int b0, int ldb, float[] c, int c0) {
        FloatVector acc = FloatVector.fromArray(SPECIES, c, c0);
        for (int p = 0; p < k; p++) {
            acc = FloatVector.broadcast(SPECIES, a[a0 + p * ds]).fma(FloatVector.fromArray(SPECIES, b, b0 + p * ldb), acc);
        }
        acc.intoArray(c, c0);
    }

    /**
     * C[i][j] is the dot product of A's row i and B's row j, both contiguous: tiles of 2 × 4 dot products share
     * their loads (6 vector loads for 8 FMAs) and reduce across lanes once at the end.
     */
    @Override
    public void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        int i = 0;
        for (; i + 2 <= m; i += 2) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                dots2x4(k, a, aOff + i * lda, lda, b, bOff + j * ldb, ldb, c, cOff + i * ldc + j, ldc, accumulate);
            }
            for (; j < n; j++) {
                storeDot(c, cOff + i * ldc + j, dot(k, a, aOff + i * lda, b, bOff + j * ldb), accumulate);
                storeDot(c, cOff + (i + 1) * ldc + j, dot(k, a, aOff + (i + 1) * lda, b, bOff + j * ldb), accumulate);
            }
        }
        for (; i < m; i++) {
            rowDots(n, k, a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc, accumulate);
        }
    }

    @Override
    public void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
                               int yOff, boolean accumulate) {
        rowDots(k, n, v, vOff, w, wOff, ldw, y, yOff, accumulate);
    }

    /** {@code y[j] (+)= x · B's row j} for {@code rows} rows of B, four rows per pass over x. */
    private static void rowDots(int rows, int k, float[] x, int xOff, float[] b, int bOff, int ldb, float[] y,
                                int yOff, boolean accumulate) {
        int j = 0;
        for (; j + 4 <= rows; j += 4) {
            dots1x4(k, x, xOff, b, bOff + j * ldb, ldb, y, yOff + j, accumulate);
        }
        for (; j < rows; j++) {
            storeDot(y, yOff + j, dot(k, x, xOff, b, bOff + j * ldb), accumulate);
        }
    }

    private static void storeDot(float[] c, int at, float dot, boolean accumulate) {
        c[at] = accumulate ? c[at] + dot : dot;
    }

    private static void dots2x4(int k, float[] a, int a0, int lda, float[] b, int b0, int ldb, float[] c, int c0,
                                int ldc, boolean accumulate) {
        FloatVector s00 = FloatVector.zero(SPECIES), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        int a1 = a0 + lda;
        int bound = SPECIES.loopBound(k);
        int p = 0;
        for (; p < bound; p += LANES) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, a, a0 + p);
            FloatVector x1 = FloatVector.fromArray(SPECIES, a, a1 + p);
            FloatVector y = FloatVector.fromArray(SPECIES, b, b0 + p);
            s00 = x0.fma(y, s00);
            s10 = x1.fma(y, s10);
            y = FloatVector.fromArray(SPECIES, b, b0 + ldb + p);
            s01 = x0.fma(y, s01);
            s11 = x1.fma(y, s11);
            y = FloatVector.fromArray(SPECIES, b, b0 + 2 * ldb + p);
            s02 = x0.fma(y, s02);
            s12 = x1.fma(y, s12);
            y = FloatVector.fromArray(SPECIES, b, b0 + 3 * ldb + p);
            s03 = x0.fma(y, s03);
            s13 = x1.fma(y, s13);
        }
        int rest = k - p;
        storeDot(c, c0, VectorMath.sum(s00) + ScalarKernels.dot(rest, a, a0 + p, b, b0 + p), accumulate);
        storeDot(c, c0 + 1, VectorMath.sum(s01) + ScalarKernels.dot(rest, a, a0 + p, b, b0 + ldb + p), accumulate);
        storeDot(c, c0 + 2, VectorMath.sum(s02) + ScalarKernels.dot(rest, a, a0 + p, b, b0 + 2 * ldb + p), accumulate);
        storeDot(c, c0 + 3, VectorMath.sum(s03) + ScalarKernels.dot(rest, a, a0 + p, b, b0 + 3 * ldb + p), accumulate);
        storeDot(c, c0 + ldc, VectorMath.sum(s10) + ScalarKernels.dot(rest, a, a1 + p, b, b0 + p), accumulate);
        storeDot(c, c0 + ldc + 1, VectorMath.sum(s11) + ScalarKernels.dot(rest, a, a1 + p, b, b0 + ldb + p), accumulate);
        storeDot(c, c0 + ldc + 2, VectorMath.sum(s12) + ScalarKernels.dot(rest, a, a1 + p, b, b0 + 2 * ldb + p), accumulate);
        storeDot(c, c0 + ldc + 3, VectorMath.sum(s13) + ScalarKernels.dot(rest, a, a1 + p, b, b0 + 3 * ldb + p), accumulate);
    }

    /**
     * Four dot products of one x against four rows of B. Two accumulators per row (eight FMA chains) hide the
     * FMA latency; x is loaded once for all four rows.
     */
    private static void dots1x4(int k, float[] x, int x0, float[] b, int b0, int ldb, float[] y, int y0,
                                boolean accumulate) {
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
        storeDot(y, y0, VectorMath.sum(s0.add(t0)) + ScalarKernels.dot(rest, x, x0 + p, b, b0 + p), accumulate);
        storeDot(y, y0 + 1, VectorMath.sum(s1.add(t1)) + ScalarKernels.dot(rest, x, x0 + p, b, b1 + p), accumulate);
        storeDot(y, y0 + 2, VectorMath.sum(s2.add(t2)) + ScalarKernels.dot(rest, x, x0 + p, b, b2 + p), accumulate);
        storeDot(y, y0 + 3, VectorMath.sum(s3.add(t3)) + ScalarKernels.dot(rest, x, x0 + p, b, b3 + p), accumulate);
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
    @Override
    public void gemv(int k, int n, float[] x, int xOff, float[] w, int wOff, int ldw, float[] y, int yOff,
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
            for (; j < n; j++) {
                y[yOff + j] += x[xOff + p] * w[w0 + j] + x[xOff + p + 1] * w[w1 + j]
                        + x[xOff + p + 2] * w[w2 + j] + x[xOff + p + 3] * w[w3 + j];
            }
        }
        for (; p < k; p++) {
            axpy(n, x[xOff + p], w, wOff + p * ldw, y, yOff);
        }
    }

    @Override
    public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a = FloatVector.broadcast(SPECIES, alpha);
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            a.fma(FloatVector.fromArray(SPECIES, x, xOff + i), FloatVector.fromArray(SPECIES, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        SCALAR.axpy(n - i, alpha, x, xOff + i, y, yOff + i);
    }

    @Override
    public void multiply(int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, a, aOff + i).mul(FloatVector.fromArray(SPECIES, b, bOff + i))
                    .intoArray(y, yOff + i);
        }
        SCALAR.multiply(n - i, a, aOff + i, b, bOff + i, y, yOff + i);
    }

    // ---- Activations -----------------------------------------------------------------------------------

    /**
     * {@code 1/(1+exp(-x))} rather than {@code 0.5+0.5·tanh(x/2)}: accurate in relative terms for negative x,
     * where the sigmoid is tiny but not zero and the tanh form loses every digit.
     */
    @Override
    public void sigmoid(int n, float[] x, int xOff, float[] y, int yOff) {
        int done = VectorMath.exp(n, -1f, 0f, x, xOff, y, yOff);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        for (int i = 0; i < done; i += LANES) {
            one.div(FloatVector.fromArray(SPECIES, y, yOff + i).add(one)).intoArray(y, yOff + i);
        }
        SCALAR.sigmoid(n - done, x, xOff + done, y, yOff + done);
    }

    /**
     * {@code 1 - 2/(e^2x + 1)}: within the absolute bound everywhere, though, like every tanh built on exp, it
     * keeps no relative accuracy for |x| near 0, where a gate's absolute error is what matters.
     */
    @Override
    public void tanh(int n, float[] x, int xOff, float[] y, int yOff) {
        int done = VectorMath.exp(n, 2f, 0f, x, xOff, y, yOff);
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        FloatVector two = FloatVector.broadcast(SPECIES, 2f);
        for (int i = 0; i < done; i += LANES) {
            one.sub(two.div(FloatVector.fromArray(SPECIES, y, yOff + i).add(one))).intoArray(y, yOff + i);
        }
        SCALAR.tanh(n - done, x, xOff + done, y, yOff + done);
    }

    @Override
    public void sigmoidDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector s = FloatVector.fromArray(SPECIES, y, yOff + i);
            s.mul(s.neg().add(1f)).intoArray(d, dOff + i);
        }
        SCALAR.sigmoidDerivative(n - i, y, yOff + i, d, dOff + i);
    }

    @Override
    public void tanhDerivative(int n, float[] y, int yOff, float[] d, int dOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector t = FloatVector.fromArray(SPECIES, y, yOff + i);
            t.mul(t).neg().add(1f).intoArray(d, dOff + i);
        }
        SCALAR.tanhDerivative(n - i, y, yOff + i, d, dOff + i);
    }

    // ---- The fused LSTM cell ---------------------------------------------------------------------------

    /**
     * Activates the gate blocks in place, then updates the cell, in short passes over data that stays in L1:
     * the activations run their exp over arrays (see {@link VectorMath} for why), and tanh(c) is the tanh
     * kernel over the fresh c.
     */
    @Override
    public void lstmCellForward(int hidden, float[] z, int zOff, float[] cPrev, int cPrevOff, float[] c,
                                int cOff, float[] tanhC, int tanhCOff, float[] h, int hOff) {
        sigmoid(2 * hidden, z, zOff, z, zOff);
        tanh(hidden, z, zOff + 2 * hidden, z, zOff + 2 * hidden);
        sigmoid(hidden, z, zOff + 3 * hidden, z, zOff + 3 * hidden);
        int bound = SPECIES.loopBound(hidden);
        for (int j = 0; j < bound; j += LANES) {
            int at = zOff + j;
            FloatVector.fromArray(SPECIES, z, at + hidden)
                    .fma(FloatVector.fromArray(SPECIES, cPrev, cPrevOff + j),
                            FloatVector.fromArray(SPECIES, z, at).mul(FloatVector.fromArray(SPECIES, z, at + 2 * hidden)))
                    .intoArray(c, cOff + j);
        }
        tanh(bound, c, cOff, tanhC, tanhCOff);
        for (int j = 0; j < bound; j += LANES) {
            FloatVector.fromArray(SPECIES, z, zOff + 3 * hidden + j).mul(FloatVector.fromArray(SPECIES, tanhC, tanhCOff + j))
                    .intoArray(h, hOff + j);
        }
        ScalarKernels.cellStateRange(bound, hidden, hidden, z, zOff, cPrev, cPrevOff, c, cOff, tanhC, tanhCOff, h,
                hOff);
    }

    @Override
    public void lstmCellBackward(int hidden, float[] gates, int gatesOff, float[] cPrev, int cPrevOff,
                                 float[] tanhC, int tanhCOff, float[] dh, int dhOff, float[] dcNext,
                                 int dcNextOff, float[] dz, int dzOff, float[] dcPrev, int dcPrevOff) {
        int j = 0;
        for (; j < SPECIES.loopBound(hidden); j += LANES) {
            int at = gatesOff + j;
            FloatVector inputGate = FloatVector.fromArray(SPECIES, gates, at);
            FloatVector forgetGate = FloatVector.fromArray(SPECIES, gates, at + hidden);
            FloatVector candidate = FloatVector.fromArray(SPECIES, gates, at + 2 * hidden);
            FloatVector outputGate = FloatVector.fromArray(SPECIES, gates, at + 3 * hidden);
            FloatVector squashed = FloatVector.fromArray(SPECIES, tanhC, tanhCOff + j);
            FloatVector dhj = FloatVector.fromArray(SPECIES, dh, dhOff + j);
            FloatVector dc = dhj.mul(outputGate).mul(squashed.mul(squashed).neg().add(1f))
                    .add(FloatVector.fromArray(SPECIES, dcNext, dcNextOff + j));
            int out = dzOff + j;
            dc.mul(candidate).mul(inputGate).mul(inputGate.neg().add(1f)).intoArray(dz, out);
            dc.mul(FloatVector.fromArray(SPECIES, cPrev, cPrevOff + j)).mul(forgetGate)
                    .mul(forgetGate.neg().add(1f)).intoArray(dz, out + hidden);
            dc.mul(inputGate).mul(candidate.mul(candidate).neg().add(1f)).intoArray(dz, out + 2 * hidden);
            dhj.mul(squashed).mul(outputGate).mul(outputGate.neg().add(1f)).intoArray(dz, out + 3 * hidden);
            dc.mul(forgetGate).intoArray(dcPrev, dcPrevOff + j);
        }
        ScalarKernels.cellBackwardRange(j, hidden, hidden, gates, gatesOff, cPrev, cPrevOff, tanhC, tanhCOff, dh,
                dhOff, dcNext, dcNextOff, dz, dzOff, dcPrev, dcPrevOff);
    }

    // ---- Loss ------------------------------------------------------------------------------------------

    @Override
    public float softmaxCrossEntropy(int n, float[] logits, int logitsOff, int target, float gradScale,
                                     float[] dLogits, int dLogitsOff) {
        float targetLogit = logits[logitsOff + target];
        float logSumExp = softmaxInto(n, logits, logitsOff, dLogits, dLogitsOff, gradScale);
        dLogits[dLogitsOff + target] -= gradScale;
        return logSumExp - targetLogit;
    }

    @Override
    public void softmax(int n, float[] logits, int logitsOff, float[] p, int pOff) {
        softmaxInto(n, logits, logitsOff, p, pOff, 1f);
    }

    /** Writes {@code scale·softmax(logits)} to p and returns log Σ exp(logits). */
    private static float softmaxInto(int n, float[] logits, int logitsOff, float[] p, int pOff, float scale) {
        int bound = SPECIES.loopBound(n);
        FloatVector maxes = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i < bound; i += LANES) {
            maxes = maxes.max(FloatVector.fromArray(SPECIES, logits, logitsOff + i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, logits[logitsOff + i]);
        }
        int done = VectorMath.exp(n, 1f, -max, logits, logitsOff, p, pOff);
        FloatVector sums = FloatVector.zero(SPECIES);
        for (i = 0; i < done; i += LANES) {
            sums = sums.add(FloatVector.fromArray(SPECIES, p, pOff + i));
        }
        float sum = VectorMath.sum(sums);
        for (; i < n; i++) {
            float e = (float) Math.exp(logits[logitsOff + i] - max);
            p[pOff + i] = e;
            sum += e;
        }
        scaleInPlace(n, scale / sum, p, pOff);
        return max + (float) Math.log(sum);
    }

    // ---- Optimizers ------------------------------------------------------------------------------------

    @Override
    public void sgd(int n, float[] params, int pOff, float[] grads, int gOff, float[] velocity, int vOff,
                    float learningRate, float momentum) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, velocity, vOff + i).mul(momentum)
                    .add(FloatVector.fromArray(SPECIES, grads, gOff + i));
            v.intoArray(velocity, vOff + i);
            FloatVector.fromArray(SPECIES, params, pOff + i).sub(v.mul(learningRate)).intoArray(params, pOff + i);
        }
        SCALAR.sgd(n - i, params, pOff + i, grads, gOff + i, velocity, vOff + i, learningRate, momentum);
    }

    @Override
    public void rmsprop(int n, float[] params, int pOff, float[] grads, int gOff, float[] meanSquare, int sOff,
                        float learningRate, float decay, float epsilon) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector g = FloatVector.fromArray(SPECIES, grads, gOff + i);
            FloatVector s = FloatVector.fromArray(SPECIES, meanSquare, sOff + i).mul(decay)
                    .add(g.mul(g).mul(1f - decay));
            s.intoArray(meanSquare, sOff + i);
            FloatVector step = g.mul(learningRate).div(s.sqrt().add(epsilon));
            FloatVector.fromArray(SPECIES, params, pOff + i).sub(step).intoArray(params, pOff + i);
        }
        SCALAR.rmsprop(n - i, params, pOff + i, grads, gOff + i, meanSquare, sOff + i, learningRate, decay, epsilon);
    }

    @Override
    public void adam(int n, float[] params, int pOff, float[] grads, int gOff, float[] firstMoment, int mOff,
                     float[] secondMoment, int vOff, float learningRate, float beta1, float beta2, float epsilon,
                     float weightDecay, long step) {
        float stepSize = AdamStep.stepSize(learningRate, beta1, step);
        float rootSecondCorrection = AdamStep.rootSecondCorrection(beta2, step);
        float decayFactor = AdamStep.decayFactor(learningRate, weightDecay);
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector g = FloatVector.fromArray(SPECIES, grads, gOff + i);
            FloatVector m = FloatVector.fromArray(SPECIES, firstMoment, mOff + i).mul(beta1).add(g.mul(1f - beta1));
            FloatVector v = FloatVector.fromArray(SPECIES, secondMoment, vOff + i).mul(beta2)
                    .add(g.mul(g).mul(1f - beta2));
            m.intoArray(firstMoment, mOff + i);
            v.intoArray(secondMoment, vOff + i);
            FloatVector denominator = v.sqrt().mul(rootSecondCorrection).add(epsilon);
            FloatVector.fromArray(SPECIES, params, pOff + i).mul(decayFactor)
                    .sub(m.mul(stepSize).div(denominator)).intoArray(params, pOff + i);
        }
        SCALAR.adam(n - i, params, pOff + i, grads, gOff + i, firstMoment, mOff + i, secondMoment, vOff + i,
                learningRate, beta1, beta2, epsilon, weightDecay, step);
    }

    // ---- Clipping --------------------------------------------------------------------------------------

    /** Four accumulators: one would serialise every FMA behind the previous one's latency. */
    @Override
    public float sumOfSquares(int n, float[] x, int xOff) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int quadBound = n - n % (4 * LANES);
        int i = 0;
        for (; i < quadBound; i += 4 * LANES) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, x, xOff + i);
            FloatVector v1 = FloatVector.fromArray(SPECIES, x, xOff + i + LANES);
            FloatVector v2 = FloatVector.fromArray(SPECIES, x, xOff + i + 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(SPECIES, x, xOff + i + 3 * LANES);
            s0 = v0.fma(v0, s0);
            s1 = v1.fma(v1, s1);
            s2 = v2.fma(v2, s2);
            s3 = v3.fma(v3, s3);
        }
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector v = FloatVector.fromArray(SPECIES, x, xOff + i);
            s0 = v.fma(v, s0);
        }
        return VectorMath.sum(s0.add(s1).add(s2.add(s3))) + SCALAR.sumOfSquares(n - i, x, xOff + i);
    }

    @Override
    public void scale(int n, float alpha, float[] x, int xOff) {
        scaleInPlace(n, alpha, x, xOff);
    }

    private static void scaleInPlace(int n, float alpha, float[] x, int xOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
        }
        SCALAR.scale(n - i, alpha, x, xOff + i);
    }

    @Override
    public void clamp(int n, float min, float max, float[] x, int xOff) {
        int i = 0;
        for (; i < SPECIES.loopBound(n); i += LANES) {
            FloatVector.fromArray(SPECIES, x, xOff + i).max(min).min(max).intoArray(x, xOff + i);
        }
        SCALAR.clamp(n - i, min, max, x, xOff + i);
    }
}
