package org.gatelane.kernels;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The matrix products of {@link VectorKernels}: {@code C (+)= A·B} with A read through strides (so {@code Aᵀ·B}
 * needs no copy), {@code A·Bᵀ} and {@code W·v} as tiles of dot products, and {@code x·W} as a GEMV. GEMM runs in
 * depth blocks sized for L1, column panels of B two vectors wide (packed into a per-thread buffer when enough
 * rows of C reuse them), and register tiles of six rows, with smaller tiles for the row remainder. Every column
 * remainder narrower than a vector goes to the scalar twin. Stateless apart from the per-thread panel.
 */
final class VectorGemm {

    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final int LANES = SPECIES.length();
    private static final ScalarKernels SCALAR = new ScalarKernels();

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
    /**
     * The columns of C past the last full panel, widened to a panel (see {@link #paddedRemainder}): per thread,
     * grown to the largest C seen, then reused.
     */
    private static final ThreadLocal<float[]> STRIP = ThreadLocal.withInitial(() -> new float[0]);

    private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[DEPTH_BLOCK * 2 * LANES]);

    private VectorGemm() {
    }

    static void gemm(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        stridedGemm(m, n, k, a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    static void gemmTransA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        // Aᵀ needs no copy: its element (i, p) is A's element (p, i), so the tile only swaps A's strides.
        stridedGemm(m, n, k, a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /**
     * C += A·B where A's element (i, p) is at {@code aOff + i·aRowStride + p·aDepthStride}, in depth blocks of
     * {@link #DEPTH_BLOCK}. Within a block, column panels of two vectors run in the outer loop so that one panel
     * of B stays in L1 while every row tile streams past it; from {@link #PACKING_MIN_ROWS} rows of C on, the
     * panel is first packed into a contiguous buffer.
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
        if (packed != null && j < n) {
            paddedRemainder(m, n - j, k, a, aOff, aRowStride, aDepthStride, b, bOff + j, ldb, packed, c, cOff + j, ldc);
            return;
        }
        for (; j + LANES <= n; j += LANES) {
            for (int i = 0; i < m; i++) {
                tile1x1(k, a, aOff + i * aRowStride, aDepthStride, b, bOff + j, ldb, c, cOff + i * ldc + j);
            }
        }
        ScalarKernels.stridedGemm(m, n - j, k, a, aOff, aRowStride, aDepthStride, b, bOff + j, ldb, c, cOff + j, ldc,
                true);
    }

    /**
     * The last {@code rest < 2·LANES} columns of C on the register tiles: B's columns packed into the panel with
     * zeros after them, C's copied into a strip of full width, the tiles run, the real columns copied back. With
     * many rows (an output layer of V = 65 over T·B positions) one-vector tiles and the scalar twin took about a
     * tenth of the whole training step; the copies cost {@code 2·m·rest} moves against {@code m·rest·k} FMAs.
     */
    private static void paddedRemainder(int m, int rest, int k, float[] a, int aOff, int aRowStride,
                                        int aDepthStride, float[] b, int bOff, int ldb, float[] panel, float[] c,
                                        int cOff, int ldc) {
        packPanel(k, rest, b, bOff, ldb, panel, 0);
        stripTiles(m, rest, k, a, aOff, aRowStride, aDepthStride, panel, 0, c, cOff, ldc);
    }

    /** {@code k} rows of {@code cols <= 2·LANES} columns of B into a panel of full width, zeros after them. */
    private static void packPanel(int k, int cols, float[] b, int bOff, int ldb, float[] panel, int panelOff) {
        int width = 2 * LANES;
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, bOff + p * ldb, panel, panelOff + p * width, cols);
            Arrays.fill(panel, panelOff + p * width + cols, panelOff + (p + 1) * width, 0f);
        }
    }

    /** The register tiles over a zero-padded panel for the {@code rest} columns of C it covers, via a strip. */
    private static void stripTiles(int m, int rest, int k, float[] a, int aOff, int aRowStride, int aDepthStride,
                                   float[] panel, int panelOff, float[] c, int cOff, int ldc) {
        int width = 2 * LANES;
        float[] strip = STRIP.get();
        if (strip.length < m * width) {
            strip = new float[m * width];
            STRIP.set(strip);
        }
        for (int i = 0; i < m; i++) {
            System.arraycopy(c, cOff + i * ldc, strip, i * width, rest);
            // Zeros, not an earlier call's leftovers: a stray denormal there would slow every FMA of its lane.
            Arrays.fill(strip, i * width + rest, (i + 1) * width, 0f);
        }
        rowTiles(m, k, a, aOff, aRowStride, aDepthStride, panel, panelOff, width, strip, 0, width);
        for (int i = 0; i < m; i++) {
            System.arraycopy(strip, i * width, c, cOff + i * ldc, rest);
        }
    }

    /** Panels of two vectors, the last padded, for every depth block: see {@link #packB}. */
    static int packedSize(int k, int n) {
        int width = 2 * LANES;
        return Math.multiplyExact(k, (n + width - 1) / width * width);
    }

    /**
     * B as {@link #gemmPacked} reads it: for each depth block of {@link #DEPTH_BLOCK} rows, each column panel of
     * two vectors (the last one padded with zeros), its rows contiguous. This is the copy {@link #accumulateTiles}
     * makes on every call, made once for a B that many calls share.
     */
    static void packB(int k, int n, float[] b, int bOff, int ldb, float[] packed, int packedOff) {
        int width = 2 * LANES;
        int at = packedOff;
        for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
            int depth = Math.min(DEPTH_BLOCK, k - p0);
            for (int j = 0; j < n; j += width) {
                packPanel(depth, Math.min(width, n - j), b, bOff + p0 * ldb + j, ldb, packed, at);
                at += depth * width;
            }
        }
    }

    /** {@code C (+)= A·B} over B packed by {@link #packB}: the register tiles straight on the panels. */
    static void gemmPacked(int m, int n, int k, float[] a, int aOff, int lda, float[] packed, int packedOff,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            }
        }
        int width = 2 * LANES;
        int at = packedOff;
        for (int p0 = 0; p0 < k; p0 += DEPTH_BLOCK) {
            int depth = Math.min(DEPTH_BLOCK, k - p0);
            for (int j = 0; j < n; j += width) {
                int cols = Math.min(width, n - j);
                if (cols == width) {
                    rowTiles(m, depth, a, aOff + p0, lda, 1, packed, at, width, c, cOff + j, ldc);
                } else {
                    stripTiles(m, cols, depth, a, aOff + p0, lda, 1, packed, at, c, cOff + j, ldc);
                }
                at += depth * width;
            }
        }
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
    static void gemmTransB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
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

    static void gemvTransposed(int k, int n, float[] w, int wOff, int ldw, float[] v, int vOff, float[] y,
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
        // The columns past the last full vector: the scalar twin's own loop, as in every kernel here.
        SCALAR.gemv(k, n - bound, x, xOff, w, wOff + bound, ldw, y, yOff + bound, true);
    }
}
